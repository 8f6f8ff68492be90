using System.Diagnostics;
using System.Globalization;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Bench;

/// <summary>
/// Training throughput, printed rather than asserted. On one model and one set of sequences, in one process:
/// (a) the tutorial's recipe (every sequence padded to 512, MLM logits at every position) against (b) ours (dynamic
/// padding, masked-only logits), in real (non-pad) tokens per second; the FLOP/s a training step achieves against a
/// large matmul's; and the resident set size over a long run of the real <see cref="Trainer"/>, to show no leak.
/// Options: --steps N (leak run, default 2000), --measure-steps N (default 10), --batch-size N (16),
/// --preset NAME (tiny), --shards DIR (default: --book, samples/meditations.txt, prepared with max_len 512), --device, --threads.
/// </summary>
public static class TrainingBenchmark
{
    private const int TutorialLength = 512;

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings.Threads > 0) set_num_threads(settings.Threads);
        var device = TrainingDevice.Resolve(settings.Device);
        var data = ShardDataset.Load(settings.Shards ?? await PrepareBookAsync(settings.Book));
        var config = BertConfig.Preset(settings.Preset, data.Metadata.TryGetValue(ShardFormat.Meta.VocabSize, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : 30522);
        Console.WriteLine($"device {device.type}, threads {get_num_threads()}, preset {settings.Preset} (vocab {config.VocabSize}), batch {settings.BatchSize}, {data.Count} sequences");

        var matmul = MatmulFlops(device);
        Console.WriteLine($"matmul 2048x2048 fp32: {matmul / 1e9:F1} GFLOP/s");

        // The same sequences in every recipe: a seeded sample of the book, batched in book order or by length.
        var indices = Enumerable.Range(0, data.Count).ToArray();
        new Random(1).Shuffle(indices);
        var chosen = indices[..Math.Min(data.Count, settings.BatchSize * settings.MeasureSteps)];
        var inOrder = chosen.Chunk(settings.BatchSize).ToArray();
        var byLength = chosen.OrderByDescending(data.Length).Chunk(settings.BatchSize).ToArray();

        var recipes = new (string Name, StepFigures Figures)[]
        {
            ("(a) tutorial: pad to 512, logits everywhere", MeasureSteps(config, data, inOrder, device, padTo: TutorialLength, maskedOnly: false)),
            ("(b) ours: dynamic padding, masked-only logits", MeasureSteps(config, data, inOrder, device, padTo: null, maskedOnly: true)),
            ("(c) ours + --length-bucketing", MeasureSteps(config, data, byLength, device, padTo: null, maskedOnly: true)),
        };
        foreach (var (name, m) in recipes)
            Console.WriteLine($"{name}: {m.RealTokensPerSecond:F0} real tok/s, {m.StepSeconds * 1000:F0} ms/step, {m.Flops / m.StepSeconds / 1e9:F1} GFLOP/s achieved = {m.Flops / m.StepSeconds / matmul:P0} of matmul");
        Console.WriteLine($"speed-up in real tokens/s over the tutorial: (b) {recipes[1].Figures.RealTokensPerSecond / recipes[0].Figures.RealTokensPerSecond:F1}x, (c) {recipes[2].Figures.RealTokensPerSecond / recipes[0].Figures.RealTokensPerSecond:F1}x (goal >= 10x)");

        MeasureResidentSet(config, data, settings);
        return 0;
    }

    private sealed record Settings(int Steps, int MeasureSteps, int BatchSize, string Preset, string? Shards, string Book, string Device, int Threads)
    {
        public static Settings Parse(string[] args)
        {
            string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Number(string name, int fallback) => Value(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
            return new Settings(Number("--steps", 2000), Number("--measure-steps", 10), Number("--batch-size", 16),
                Value("--preset") ?? "tiny", Value("--shards"),
                Value("--book") ?? RepoPaths.Sample("meditations.txt"), Value("--device") ?? "auto", Number("--threads", 0));
        }
    }

    private sealed record StepFigures(double StepSeconds, double RealTokensPerSecond, double Flops);

    /// <summary>The book prepared as the tutorial would (max_len 512, so both recipes train on the same sequences) into a temp folder.</summary>
    private static async Task<string> PrepareBookAsync(string book)
    {
        var directory = Directory.CreateTempSubdirectory("bertsl-bench-shards-").FullName;
        await using var stream = File.OpenRead(book);
        await new PrepPipeline(BertTokenization.Default, new PrepOptions { MaxLen = TutorialLength })
            .RunAsync(stream, Path.GetFileName(book), new DirectoryShardSink(directory));
        return directory;
    }

    private static double MatmulFlops(Device device)
    {
        const int n = 2048, repeats = 10;
        using var a = randn(n, n, device: device);
        using var b = randn(n, n, device: device);
        using (var warm = a.matmul(b)) warm.sum().item<float>();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var sum = zeros(1, device: device);
        for (var i = 0; i < repeats; i++) sum.add_(a.matmul(b)[0, 0]);
        sum.item<float>(); // waits for the device
        return 2.0 * n * n * n * repeats / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// <see cref="Trainer.Step"/>, the loop's own step (forward, backward, clip, AdamW step, zero grad), on the same
    /// batches in every recipe; FLOPs are counted over every computed position, padding included, since they are spent.
    /// </summary>
    private static StepFigures MeasureSteps(BertConfig config, ShardDataset data, int[][] measured, Device device, int? padTo, bool maskedOnly)
    {
        manual_seed(1);
        using var model = new BertForPreTraining(config) { MaskedOnlyLogits = maskedOnly };
        model.to(device);
        using var trainer = new Trainer(model, new TrainingRecipe(), new TrainingHardware());
        // libtorch's CPU kernels are prepared per input shape, so the first step at each new length is slow: warm up
        // on every measured batch (dynamic lengths) or on one (all are 512 long), then time the same batches.
        var warmup = padTo is null ? measured : measured[..1];

        Stopwatch? clock = null;
        long realTokens = 0;
        double flops = 0;
        foreach (var (indices, timed) in warmup.Select(b => (b, false)).Concat(measured.Select(b => (b, true))))
        {
            if (timed && clock is null)
            {
                if (device.type == DeviceType.CUDA) cuda.synchronize();
                clock = Stopwatch.StartNew();
            }
            using var scope = NewDisposeScope();
            var batch = data.Collate(indices, config.PadTokenId, padTo);
            trainer.Step([batch]);
            if (!timed) continue;
            realTokens += batch.RealTokens;
            flops += StepFlops(config, batch, maskedOnly);
        }
        using (var probe = model.parameters().First().sum()) probe.item<float>(); // waits for the device
        var seconds = clock!.Elapsed.TotalSeconds;
        return new StepFigures(seconds / measured.Length, realTokens / seconds, flops / measured.Length);
    }

    /// <summary>
    /// Matmul FLOPs of one training step (backward counted as twice the forward): per position and layer, QKV and
    /// output projections 8H², feed-forward 4·H·I, attention scores and mix 4·T·H; the MLM head, 2H² + 2HV for each
    /// position it runs on (predicted ones, or all); the pooler and NSP head are negligible.
    /// </summary>
    private static double StepFlops(BertConfig c, Batch batch, bool maskedOnly)
    {
        double h = c.HiddenSize, positions = batch.PaddedTokens;
        var encoder = positions * c.NumHiddenLayers * (8 * h * h + 4 * h * c.IntermediateSize + 4 * batch.Length * h);
        var head = (maskedOnly ? batch.PredictedTokens : positions) * (2 * h * h + 2 * h * c.VocabSize);
        return 3 * (encoder + head);
    }

    /// <summary>Runs the real trainer for many steps and prints the resident set size as it goes: flat after warm-up means no leak.</summary>
    private static void MeasureResidentSet(BertConfig config, ShardDataset data, Settings settings)
    {
        var output = Path.Combine(Path.GetTempPath(), "bertsl-bench-" + Guid.NewGuid());
        var vocab = Path.Combine(output + "-vocab.txt");
        File.WriteAllLines(vocab, Enumerable.Range(0, config.VocabSize).Select(i => $"t{i}"));
        var recipe = new TrainingRecipe { BatchSize = settings.BatchSize, MaxSteps = settings.Steps, SaveEvery = 0 };
        var hardware = new TrainingHardware { Device = settings.Device, LogEvery = Math.Max(1, settings.Steps / 10) };
        manual_seed(1);
        using var model = new BertForPreTraining(config);
        model.to(hardware.Prepare());
        var before = ResidentMegabytes();
        Console.WriteLine($"RSS before training: {before:F0} MB");
        var trace = new List<(int Step, double Megabytes)>();
        using (var trainer = new Trainer(model, recipe, hardware))
            trainer.Train(data, output, vocab, observer: new InlineTrainingObserver(p => trace.Add((p.Step, ResidentMegabytes()))));
        Console.WriteLine("RSS during training: " + string.Join(", ", trace.Select(t => $"step {t.Step}: {t.Megabytes:F0} MB")));
        var after = ResidentMegabytes();
        Console.WriteLine($"RSS after {settings.Steps} steps: {after:F0} MB; drift from the first report (step {trace[0].Step}, allocator warmed up): {(after - trace[0].Megabytes) / trace[0].Megabytes:P1} (goal <= 5%)");
        Directory.Delete(output, recursive: true);
        File.Delete(vocab);
    }

    // No GC.Collect here: tensors that escaped their dispose scope would be freed by finalizers and hide the leak.
    private static double ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1e6;
    }
}
