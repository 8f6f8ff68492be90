using System.CommandLine;
using System.Diagnostics;
using BertServerless.Shared;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl prep</c>: a book → NSP pairs → masked, tokenized shards and manifest.json in a local directory.</summary>
public static class PrepCommand
{
    // The flags this command had before its flags were the knobs' names; they keep working.
    private static readonly Dictionary<string, string[]> PrepAliases = new()
    {
        ["mask_probability"] = ["--mask-prob"],
        ["whole_word_masking"] = ["--whole-word"],
    };

    public static Command Create()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "The book: plain UTF-8 text", Required = true };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Directory for the shards and manifest.json", Required = true };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "WordPiece vocab.txt (default: the bundled bert-base-uncased)" };
        var cased = new Option<bool>("--cased") { Description = "Keep case and accents (for cased vocabularies)" };
        // Every PrepOptions knob is a flag (--max-len, --pairing, --masking, --dupe-factor, --seed, --layout, --encoding, …).
        var knobs = new KnobFlags<PrepOptions>(PrepAliases, withSet: true);

        var command = new Command("prep", "Split a book into NSP pairs and write masked, tokenized safetensors shards") { input, output, vocab, cased };
        foreach (var option in knobs.Options) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var options = knobs.Read(parse);
            var vocabFile = parse.GetValue(vocab);
            var tokenizer = vocabFile is null ? BertTokenization.Default : BertTokenization.FromVocabFile(vocabFile.FullName, lowerCase: !parse.GetValue(cased));
            var book = parse.GetValue(input)!;
            var outDir = parse.GetValue(output)!;
            await RunAsync(book, outDir, tokenizer, options, cancellationToken);
            return 0;
        }));
        return command;
    }

    private static async Task RunAsync(FileInfo book, DirectoryInfo outDir, BertTokenization tokenizer, PrepOptions options, CancellationToken cancellationToken)
    {
        if (!book.Exists) throw new FileNotFoundException($"Book '{book.FullName}' does not exist.");
        var pipeline = new PrepPipeline(tokenizer, options);
        var sink = new DirectoryShardSink(outDir.FullName);
        var clock = Stopwatch.StartNew();
        await using var stream = book.OpenRead();
        var manifest = await ConsoleProgress.RunAsync($"Preparing {book.Name}", book.Length,
            progress => pipeline.RunAsync(stream, book.Name, sink, progress, cancellationToken));
        PrintSummary(manifest, options, book.Length, clock.Elapsed, outDir.FullName);
        var report = Path.Combine(outDir.FullName, DomainVocabulary.ReportFile);
        if (options.DomainVocab > 0)
            AnsiConsole.WriteLine(DocumentJson.Read<DomainVocabularyReport>(report, "domain vocabulary report").Summary() + " vocab.txt is beside the shards, where bertsl train finds it.");
    }

    private static void PrintSummary(ShardManifest manifest, PrepOptions options, long bytes, TimeSpan elapsed, string outDir)
    {
        var (stats, shards) = (manifest.Stats, manifest.Shards.Count);
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("paragraphs", $"{stats.Paragraphs:N0}");
        Row("sentences", $"{stats.Sentences:N0}");
        Row("pairs", $"{stats.Pairs:N0}");
        Row("is-next share", $"{stats.IsNextShare:P1}");
        Row("sequences", $"{stats.Sequences:N0} in {shards:N0} shards");
        Row("tokens", $"{stats.Tokens:N0}");
        if (manifest.Phase2Shards is { } phase2)
            Row("phase 2", $"{phase2.Sum(s => s.Sequences):N0} sequences in {phase2.Count:N0} shards at max_len {options.Phase2MaxLen}");
        Row("truncated pairs", $"{stats.TruncatedPairs:N0} ({(stats.Pairs == 0 ? 0 : (double)stats.TruncatedPairs / stats.Pairs):P1})");
        Row("masked share", $"{stats.MaskedShare:P2}");
        Row("[UNK] rate", $"{stats.UnkRate:P3}");
        Row("throughput", $"{bytes / 1e6 / elapsed.TotalSeconds:F2} MB/s ({elapsed.TotalSeconds:F1} s)");
        Row("output", outDir);
        AnsiConsole.Write(table);
    }
}
