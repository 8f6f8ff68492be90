using System.Diagnostics;
using System.Text.Json;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Tokenization;

namespace BertServerless.Bench;

/// <summary>
/// Prep throughput on one core: the whole prep (read, split, pair, tokenize, mask, write) on a ~25 MB corpus made of the
/// two reference books repeated, warm in this process, against Hugging Face's Rust tokenizer encoding the same text
/// (encode only); then cold, as a user's one-book job runs it: the published <c>bertsl prep</c> started fresh on a
/// 3.3 MB book, pinned to one core, published framework-dependent (as `func azure functionapp publish` ships the
/// Functions app) and self-contained (one composite ReadyToRun image with the framework). With <c>--big</c>, first, prep of a 2 GB upload on every core: MB/s and peak RSS.
/// <c>--bertsl DLL</c> reuses a published bertsl.dll instead of publishing one; <c>--env NAME=VALUE</c> (repeatable)
/// sets runtime knobs (DOTNET_TieredPGO=0, …) for the cold runs. Figures, not pass/fail.
/// </summary>
public static class PrepBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var repo = RepoPaths.Root;
        var books = new[] { "meditations.txt", "sherlock-holmes-adventures.txt" }.Select(RepoPaths.Sample).ToArray();
        var workDir = Directory.CreateTempSubdirectory("bertsl-bench-").FullName;
        try
        {
            var options = new PrepOptions { MaxLen = 128 };
            var tokenizer = BertTokenization.Default;
            // First, so that the peak is this prep's and nothing the other figures loaded.
            if (args.Contains("--big")) await MeasureUploadAsync(tokenizer, options, MakeCorpus(books, Path.Combine(workDir, "upload-2gb.txt"), 2_000_000_000));

            var corpus = MakeCorpus(books, Path.Combine(workDir, "corpus-25mb.txt"), 25_000_000);
            Console.WriteLine($"corpus: {new FileInfo(corpus).Length / 1e6:F1} MB (meditations + sherlock repeated); max_len {options.MaxLen}; one core");

            var encode = MeasureEncode(tokenizer, corpus);
            Console.WriteLine($"bertsl encode only : {encode.MBps,7:F2} MB/s  {encode.TokensPerSecond / 1e6,6:F2} M tokens/s");

            var prep = await MeasurePrepAsync(tokenizer, options, corpus, new DirectoryShardSink(Path.Combine(workDir, "shards")));
            Console.WriteLine($"bertsl whole prep  : {prep.MBps,7:F2} MB/s  {prep.TokensPerSecond / 1e6,6:F2} M tokens/s written to shards ({prep.Seconds:F1} s)");

            var hf = MeasureHuggingFace(repo, corpus);
            if (hf is not null)
            {
                Console.WriteLine($"HF tokenizers encode: {hf.MBps,7:F2} MB/s  {hf.TokensPerSecond / 1e6,6:F2} M tokens/s");
                Console.WriteLine($"ratio whole prep / HF encode (MB/s): {prep.MBps / hf.MBps:F2}  (goal >= 1)");
            }

            File.Delete(corpus);
            (string Name, string[] Command)[] publishes = new BenchArgs(args).Value("--bertsl") is { } dll
                ? [("given", ["dotnet", dll])]
                : [("framework-dependent", PrepProcess.Publish(Path.Combine(workDir, "bertsl"), selfContained: false)),
                   ("self-contained", PrepProcess.Publish(Path.Combine(workDir, "bertsl-sc"), selfContained: true))];
            var book = MakeCorpus(books, Path.Combine(workDir, "book-3mb.txt"), 3_000_000);
            var bookMB = new FileInfo(book).Length / 1e6;
            // Rounds alternate between the publishes, so a change in the machine's load meets both alike.
            var cold = publishes.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < ColdRuns; round++)
                for (var p = 0; p < publishes.Length; p++)
                    cold[p].Add(PrepProcess.Prep(publishes[p].Command, book, Path.Combine(workDir, $"cold-{p}-{round}"), pinned: true, RuntimeKnobs(args)).Seconds);
            for (var p = 0; p < publishes.Length; p++)
            {
                var times = cold[p].Order().ToArray();
                Console.WriteLine($"bertsl prep cold  : {bookMB / times[ColdRuns / 2],7:F2} MB/s  {publishes[p].Name} ReadyToRun, whole process on a {bookMB:F1} MB book, "
                    + $"{(PrepProcess.TasksetExists() ? "pinned to one core" : "all cores (no taskset)")}, median of {ColdRuns} ({string.Join(", ", times.Select(t => $"{t:F2} s"))}); goal >= 4 MB/s");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    private const int ColdRuns = 5;

    private static Dictionary<string, string> RuntimeKnobs(string[] args)
        => args.Select((a, i) => (a, i)).Where(p => p.a == "--env" && p.i + 1 < args.Length)
            .Select(p => args[p.i + 1].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

    private sealed record Throughput(long Bytes, long Tokens, double Seconds)
    {
        public double MBps => Bytes / 1e6 / Seconds;
        public double TokensPerSecond => Tokens / Seconds;
    }

    private static string MakeCorpus(string[] books, string path, long targetBytes)
    {
        var texts = books.Select(File.ReadAllBytes).ToArray();
        using var output = File.Create(path);
        for (var i = 0; output.Length < targetBytes; i++)
        {
            output.Write(texts[i % texts.Length]);
            output.WriteByte((byte)'\n');
        }
        return path;
    }

    // bertsl prep's pipeline as it runs there (every core, the book streamed from a file), with the shard files dropped
    // once written to the sink: 2 GB of text makes about 15 GB of shards at max_len 128, and what memory holds is the same.
    private static async Task MeasureUploadAsync(BertTokenization tokenizer, PrepOptions options, string upload)
    {
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        var pipeline = new PrepPipeline(tokenizer, options);
        var clock = Stopwatch.StartNew();
        await using (var stream = File.OpenRead(upload)) await pipeline.RunAsync(stream, Path.GetFileName(upload), new DiscardSink());
        var seconds = clock.Elapsed.TotalSeconds;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine($"2 GB upload       : {new FileInfo(upload).Length / 1e6 / seconds,7:F2} MB/s  peak RSS {peak / 1e6:F0} MB "
            + $"(RSS {baseline / 1e6:F0} MB before; {seconds:F0} s on {pipeline.Parallelism} cores; goal: bounded, < 1000 MB)");
        File.Delete(upload);
    }

    private static Throughput MeasureEncode(BertTokenization tokenizer, string corpus)
    {
        var lines = File.ReadAllLines(corpus);
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        foreach (var line in lines) tokens += tokenizer.Encode(line).Length;
        return new Throughput(new FileInfo(corpus).Length, tokens, clock.Elapsed.TotalSeconds);
    }

    private static async Task<Throughput> MeasurePrepAsync(BertTokenization tokenizer, PrepOptions options, string corpus, IShardSink sink)
    {
        var pipeline = new PrepPipeline(tokenizer, options) { Parallelism = 1 };
        var clock = Stopwatch.StartNew();
        await using var stream = File.OpenRead(corpus);
        var manifest = await pipeline.RunAsync(stream, Path.GetFileName(corpus), sink);
        var textTokens = manifest.Stats.Tokens - 3 * manifest.Stats.Sequences;
        return new Throughput(stream.Length, textTokens, clock.Elapsed.TotalSeconds);
    }

    private sealed class DiscardSink : IShardSink
    {
        public Task WriteAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Runs bench/hf-tokenizers/encode.mjs (npm installs it on first use); null when node is unavailable.</summary>
    private static Throughput? MeasureHuggingFace(string repo, string corpus)
    {
        var dir = Path.Combine(repo, "bench", "hf-tokenizers");
        if (!Directory.Exists(Path.Combine(dir, "node_modules")) && Run(dir, "npm", "install --no-audit --no-fund --silent") is null)
        {
            Console.WriteLine("HF tokenizers: npm install failed; skipped");
            return null;
        }
        var vocab = Path.Combine(repo, "shared", "Tokenization", "bert-base-uncased-vocab.txt");
        var json = Run(dir, "node", $"encode.mjs \"{vocab}\" \"{corpus}\"");
        if (json is null) return null;
        var result = JsonDocument.Parse(json.Trim().Split('\n')[^1]).RootElement;
        return new Throughput(result.GetProperty("bytes").GetInt64(), result.GetProperty("tokens").GetInt64(), result.GetProperty("seconds").GetDouble());
    }

    private static string? Run(string workingDirectory, string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true };
        start.Environment["RAYON_NUM_THREADS"] = "1";
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine($"{file} not found; skipped");
            return null;
        }
    }
}
