using System.CommandLine;
using System.Diagnostics;
using BertServerless.Shared.Masking;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl prep</c>: a book → NSP pairs → masked, tokenized shards and manifest.json in a local directory.</summary>
public static class PrepCommand
{
    public static Command Create()
    {
        var defaults = new PrepOptions();
        var input = new Option<FileInfo>("--input", "-i") { Description = "The book: plain UTF-8 text", Required = true };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Directory for the shards and manifest.json", Required = true };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "WordPiece vocab.txt (default: the bundled bert-base-uncased)" };
        var cased = new Option<bool>("--cased") { Description = "Keep case and accents (for cased vocabularies)" };
        var maxLen = new Option<int>("--max-len") { Description = "Longest sequence, specials included", DefaultValueFactory = _ => defaults.MaxLen };
        var pairing = new Option<PairingMode>("--pairing") { Description = "sentence: every sentence with a successor; tutorial: one pair per paragraph; segment: Google BERT's packed segments", DefaultValueFactory = _ => defaults.Pairing };
        var masking = new Option<MaskingMode>("--masking") { Description = "standard: 80/10/10; tutorial: every chosen token becomes [MASK]", DefaultValueFactory = _ => defaults.Masking };
        var wholeWord = new Option<bool>("--whole-word") { Description = "Mask a word's ## pieces together" };
        var maskProbability = new Option<double>("--mask-prob") { Description = "Share of tokens to predict", DefaultValueFactory = _ => defaults.MaskProbability };
        var dupeFactor = new Option<int>("--dupe-factor") { Description = "Independent maskings written per pair", DefaultValueFactory = _ => defaults.DupeFactor };
        var seed = new Option<int>("--seed") { Description = "Seed: same book, options and seed give identical shards", DefaultValueFactory = _ => defaults.Seed };
        var shardSize = new Option<int>("--shard-size") { Description = "Sequences per shard (about)", DefaultValueFactory = _ => defaults.ShardSize };
        var layout = new Option<BookLayout>("--layout") { Description = "Auto (detect), LinePerParagraph or BlankLineSeparated (hard-wrapped lines, blank line between paragraphs)", DefaultValueFactory = _ => defaults.Layout };
        var encoding = new Option<string>("--encoding") { Description = $"Text encoding: {string.Join(", ", TextEncodings.Names)}", DefaultValueFactory = _ => defaults.Encoding };

        var command = new Command("prep", "Split a book into NSP pairs and write masked, tokenized safetensors shards")
        {
            input, output, vocab, cased, maxLen, pairing, masking, wholeWord, maskProbability, dupeFactor, seed, shardSize, layout, encoding,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var options = new PrepOptions
            {
                MaxLen = parse.GetValue(maxLen), Pairing = parse.GetValue(pairing), Masking = parse.GetValue(masking),
                WholeWordMasking = parse.GetValue(wholeWord), MaskProbability = parse.GetValue(maskProbability),
                DupeFactor = parse.GetValue(dupeFactor), Seed = parse.GetValue(seed), ShardSize = parse.GetValue(shardSize),
                Layout = parse.GetValue(layout), Encoding = parse.GetValue(encoding)!,
            };
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
        PrintSummary(manifest.Stats, manifest.Shards.Count, book.Length, clock.Elapsed, outDir.FullName);
    }

    private static void PrintSummary(PrepStats stats, int shards, long bytes, TimeSpan elapsed, string outDir)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("paragraphs", $"{stats.Paragraphs:N0}");
        Row("sentences", $"{stats.Sentences:N0}");
        Row("pairs", $"{stats.Pairs:N0}");
        Row("is-next share", $"{stats.IsNextShare:P1}");
        Row("sequences", $"{stats.Sequences:N0} in {shards:N0} shards");
        Row("tokens", $"{stats.Tokens:N0}");
        Row("truncated pairs", $"{stats.TruncatedPairs:N0} ({(stats.Pairs == 0 ? 0 : (double)stats.TruncatedPairs / stats.Pairs):P1})");
        Row("masked share", $"{stats.MaskedShare:P2}");
        Row("[UNK] rate", $"{stats.UnkRate:P3}");
        Row("throughput", $"{bytes / 1e6 / elapsed.TotalSeconds:F2} MB/s ({elapsed.TotalSeconds:F1} s)");
        Row("output", outDir);
        AnsiConsole.Write(table);
    }
}
