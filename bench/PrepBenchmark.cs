using System.Diagnostics;
using System.Text.Json;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Tokenization;

namespace BertServerless.Bench;

/// <summary>
/// Prep throughput on one core: the whole prep (read, split, pair, tokenize, mask, write) on a ~25 MB corpus made of the
/// two reference books repeated, against Hugging Face's Rust tokenizer encoding the same text (encode only);
/// with <c>--big</c>, peak memory of prep on a 1 GB corpus. Figures, not pass/fail.
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
            var corpus = MakeCorpus(books, Path.Combine(workDir, "corpus-25mb.txt"), 25_000_000);
            var options = new PrepOptions { MaxLen = 128 };
            Console.WriteLine($"corpus: {new FileInfo(corpus).Length / 1e6:F1} MB (meditations + sherlock repeated); max_len {options.MaxLen}; one core");

            var tokenizer = BertTokenization.Default;
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

            if (args.Contains("--big"))
            {
                var big = MakeCorpus(books, Path.Combine(workDir, "corpus-1gb.txt"), 1_000_000_000);
                File.Delete(corpus);
                var before = Process.GetCurrentProcess().PeakWorkingSet64;
                var run = await MeasurePrepAsync(tokenizer, options, big, new DiscardSink());
                Console.WriteLine($"1 GB corpus: {run.MBps:F2} MB/s, peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB (before: {before / 1e6:F0} MB; shards discarded after serialisation; goal < 1000 MB)");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

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

    private sealed class DiscardSink : IShardSink
    {
        public Task WriteAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
