using System.Text;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;

namespace BertServerless.Shared.Prep;

/// <summary>
/// The whole prep of one book in one process: stream paragraphs → chunks → examples (in parallel, results kept in
/// book order) → shards → <c>manifest.json</c>, written last so a failed run never leaves a manifest behind.
/// The Functions app runs the same steps, one chunk per queue message.
/// </summary>
public sealed class PrepPipeline(BertTokenization tokenizer, PrepOptions options)
{
    /// <summary>Chunks prepared at once; 1 gives a strictly single-core run (the benchmark's setting).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public async Task<ShardManifest> RunAsync(Stream book, string source, IShardSink sink,
        IProgress<PrepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var vocabulary = options.DomainVocab > 0 ? await ChooseDomainVocabularyAsync(book, source, sink, cancellationToken) : tokenizer;
        var preparer = new ChunkPreparer(vocabulary, options);
        var metadata = PrepMetadata.For(options, vocabulary, source);
        var phase2Metadata = PrepMetadata.ForPhase2(options, metadata);
        long? totalBytes = book.CanSeek ? book.Length : null;
        var stats = new PrepStats();
        var written = new List<(PrepStats Stats, IEnumerable<ShardEntry> Shards)>();

        async Task WriteAsync(ChunkResult result)
        {
            var shards = new List<ShardEntry>();
            foreach (var shard in ShardPacker.Pack(result, options.ShardSize, vocabulary.Special.Pad, metadata, phase2Metadata))
            {
                await sink.WriteAsync(shard.FileName, shard.Bytes, cancellationToken);
                shards.Add(shard.Entry);
            }
            written.Add((result.Stats, shards));
            stats.Add(result.Stats);
            progress?.Report(new PrepProgress(book.CanSeek ? book.Position : stats.Chars, totalBytes, written.Count, stats));
        }

        var paragraphs = BookReader.ReadParagraphs(book, ReaderOptions(options), source);
        var inFlight = new Queue<Task<ChunkResult>>();
        foreach (var chunk in BookChunker.Chunk(paragraphs, options.ChunkChars))
        {
            cancellationToken.ThrowIfCancellationRequested();
            inFlight.Enqueue(Task.Run(() => preparer.Prepare(chunk), cancellationToken));
            if (inFlight.Count >= Parallelism) await WriteAsync(await inFlight.Dequeue());
        }
        while (inFlight.Count > 0) await WriteAsync(await inFlight.Dequeue());

        var manifest = ShardManifest.Assemble(source, metadata, written);
        if (manifest.NoPairsError is { } error) throw new InvalidDataException(error);
        await sink.WriteAsync(ShardFormat.ManifestFileName, Encoding.UTF8.GetBytes(manifest.ToJson()), cancellationToken);
        return manifest;
    }

    /// <summary>
    /// A first pass over the book counts its words and chooses the domain vocabulary (chunks are prepared in parallel,
    /// so they must all start from the one vocabulary); writes vocab.txt and its report beside the shards, where
    /// training finds it, and rewinds the book.
    /// </summary>
    private async Task<BertTokenization> ChooseDomainVocabularyAsync(Stream book, string source, IShardSink sink, CancellationToken cancellationToken)
    {
        if (!book.CanSeek) throw new InvalidDataException($"domain_vocab needs to read '{source}' twice, and it cannot be rewound.");
        var words = new DomainWordCounts(tokenizer.LowerCase);
        foreach (var paragraph in BookReader.ReadParagraphs(book, ReaderOptions(options), source))
        {
            cancellationToken.ThrowIfCancellationRequested();
            words.Add(paragraph);
        }
        book.Position = 0;
        var result = DomainVocabulary.Build(tokenizer, words, options.DomainVocab, options.MinCount);
        var report = DomainVocabularyReport.For(result, tokenizer, options.MinCount);
        await sink.WriteAsync(CheckpointLayout.VocabFile, result.Tokenization.VocabBytes, cancellationToken);
        await sink.WriteAsync(DomainVocabulary.ReportFile, Encoding.UTF8.GetBytes(report.ToJson()), cancellationToken);
        return result.Tokenization;
    }

    public static BookReaderOptions ReaderOptions(PrepOptions options) => new()
    {
        Layout = options.Layout,
        Encoding = TextEncodings.Parse(options.Encoding),
    };
}
