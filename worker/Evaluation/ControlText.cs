using BertServerless.Shared;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Evaluation;

/// <summary>
/// The adaptation report's control: general English of another domain (H. G. Wells, <i>The Time Machine</i>, shipped
/// in <c>samples/</c>), prepared as the book's shards were (same vocabulary, max_len, pairing, masking and seed, so
/// the same job always scores the same sequences) and cut to its first <see cref="MaxSequences"/>, so a model that
/// learned the book can be checked for what it forgot, cheaply.
/// </summary>
public static class ControlText
{
    public const string FileName = "time-machine.txt";

    /// <summary>Enough sequences for a steady loss; few enough that a base model on a CPU scores them in seconds.</summary>
    public const int MaxSequences = 256;

    /// <summary>Where the build puts the sample beside the worker's dll (the container image too).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "samples", FileName);

    /// <summary>Writes the control's shards into <paramref name="directory"/> and returns its first sequences.</summary>
    public static ShardDataset Prepare(string path, string directory, BertTokenization vocabulary, IReadOnlyDictionary<string, string> bookMetadata)
    {
        var options = OptionsLike(bookMetadata);
        using var book = File.OpenRead(path);
        var paragraphs = BookReader.ReadParagraphs(book, PrepPipeline.ReaderOptions(options), FileName);
        var preparer = new ChunkPreparer(vocabulary, options);
        var metadata = PrepMetadata.For(options, vocabulary, FileName);
        Directory.CreateDirectory(directory);
        foreach (var chunk in BookChunker.Chunk(paragraphs, options.ChunkChars))
            foreach (var shard in ShardPacker.Pack(preparer.Prepare(chunk), options.ShardSize, vocabulary.Special.Pad, metadata))
                File.WriteAllBytes(Path.Combine(directory, shard.FileName), shard.Bytes);
        var all = ShardDataset.Load(directory);
        return all.Slice(0, Math.Min(all.Count, MaxSequences));
    }

    /// <summary>The book's prep settings as its shards record them; the rest (chunking, shard size) cannot change the sequences' kind.</summary>
    private static PrepOptions OptionsLike(IReadOnlyDictionary<string, string> bookMetadata)
    {
        var options = new PrepOptions();
        foreach (var key in new[] { ShardFormat.Meta.MaxLen, ShardFormat.Meta.Pairing, ShardFormat.Meta.MaskProbability, ShardFormat.Meta.Seed })
            if (bookMetadata.TryGetValue(key, out var value)) Knobs.TrySet(options, key, value);
        if (bookMetadata.TryGetValue(ShardFormat.Meta.Masking, out var masking))
        {
            var parts = masking.Split('+');
            Knobs.TrySet(options, nameof(PrepOptions.Masking), parts[0]);
            options.WholeWordMasking = parts.Contains("whole-word");
        }
        return options;
    }
}
