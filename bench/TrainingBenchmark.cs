using System.Diagnostics;
using System.Globalization;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;
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
/// --preset NAME (tiny), --shards DIR (default: synthetic sequences of book-like lengths), --device, --threads.
/// </summary>
public static class TrainingBenchmark
{
    private const int TutorialLength = 512;

    public static Task<int> RunAsync(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings.Threads > 0) set_num_threads(settings.Threads);
        var device = TrainingDevice.Resolve(settings.Device);
        var data = settings.Shards is null ? SyntheticData(settings.BatchSize * settings.MeasureSteps, seed: 1) : ShardDataset.Load(settings.Shards);
        var config = BertConfig.Preset(settings.Preset, data.Metadata.TryGetValue(ShardFormat.Meta.VocabSize, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : 30522);
        Console.WriteLine($"device {device.type}, threads {get_num_threads()}, preset {settings.Preset} (vocab {config.VocabSize}), batch {settings.BatchSize}, {data.Count} sequences");

        var matmul = MatmulFlops(device);
        Console.WriteLine($"matmul 2048x2048 fp32: {matmul / 1e9:F1} GFLOP/s");

        var tutorial = MeasureSteps(config, data, settings, device, padTo: TutorialLength, maskedOnly: false);
        var ours = MeasureSteps(config, data, settings, device, padTo: null, maskedOnly: true);
        foreach (var (name, m) in new[] { ("(a) tutorial: pad to 512, logits everywhere", tutorial), ("(b) ours: dynamic padding, masked-only logits", ours) })
            Console.WriteLine($"{name}: {m.RealTokensPerSecond:F0} real tok/s, {m.StepSeconds * 1000:F0} ms/step, {m.Flops / m.StepSeconds / 1e9:F1} GFLOP/s achieved = {m.Flops / m.StepSeconds / matmul:P0} of matmul");
        Console.WriteLine($"speed-up in real tokens/s: {ours.RealTokensPerSecond / tutorial.RealTokensPerSecond:F1}x");

        MeasureResidentSet(config, data, settings);
        return Task.FromResult(0);
    }

    private sealed record Settings(int Steps, int MeasureSteps, int BatchSize, string Preset, string? Shards, string Device, int Threads)
    {
        public static Settings Parse(string[] args)
        {
            string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Number(string name, int fallback) => Value(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
            return new Settings(Number("--steps", 2000), Number("--measure-steps", 10), Number("--batch-size", 16),
                Value("--preset") ?? "tiny", Value("--shards"), Value("--device") ?? "auto", Number("--threads", 0));
        }
    }

    private sealed record StepFigures(double StepSeconds, double RealTokensPerSecond, double Flops);

    /// <summary>
    /// Random token sequences with the lengths of NSP pairs from a book (20 to 128 tokens, most near 60), 15% of
    /// tokens predicted: what a prepared shard looks like to the compute, which is all this measures.
    /// </summary>
    private static ShardDataset SyntheticData(int count, int seed)
    {
        var random = new Random(seed);
        var examples = Enumerable.Range(0, count).Select(_ =>
        {
            var length = Math.Clamp((int)(60 + 25 * (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2), 20, 128);
            var ids = Enumerable.Range(0, length).Select(_ => random.Next(1000, 30000)).ToArray();
            var labels = ids.Select(id => random.NextDouble() < 0.15 ? id : ShardFormat.IgnoreLabel).ToArray();
            var types = Enumerable.Range(0, length).Select(t => (byte)(t < length / 2 ? 0 : 1)).ToArray();
            return new PretrainingExample(ids, types, labels, random.Next(2));
        }).ToArray();
        var file = ShardWriter.Build(examples, padId: 0, new Dictionary<string, string> { [ShardFormat.Meta.VocabSize] = "30522" });
        using var stream = new MemoryStream();
        file.Write(stream);
        return new ShardDataset([Shard.FromFile(SafeTensorsFile.Parse(stream.ToArray(), "synthetic"), "synthetic")]);
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
    /// The training step as <see cref="Trainer"/> runs it (forward, backward, clip, AdamW step, zero grad) on the same
    /// batches in both recipes; FLOPs are counted over every computed position, padding included, since they are spent.
    /// </summary>
    private static StepFigures MeasureSteps(BertConfig config, ShardDataset data, Settings settings, Device device, int? padTo, bool maskedOnly)
    {
        manual_seed(1);
        using var model = new BertForPreTraining(config) { MaskedOnlyLogits = maskedOnly };
        model.to(device).train();
        var parameters = model.UniqueNamedParameters();
        var (optimizer, _) = TrainingOptimizer.Create(parameters, new TrainingOptions());
        using var optimizerScope = optimizer;
        var measured = Enumerable.Range(0, data.Count).Chunk(settings.BatchSize).Take(settings.MeasureSteps).ToArray();
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
            var output = model.call(batch.ToInputs(device));
            output.Loss!.backward();
            GradientClipping.ClipByGlobalNorm(parameters.Select(p => p.Param), 1.0);
            optimizer.step();
            optimizer.zero_grad();
            if (!timed) continue;
            realTokens += batch.RealTokens;
            flops += StepFlops(config, batch, maskedOnly);
        }
        using (var probe = parameters[0].Param.sum()) probe.item<float>(); // waits for the device
        var seconds = clock!.Elapsed.TotalSeconds;
        return new StepFigures(seconds / settings.MeasureSteps, realTokens / seconds, flops / settings.MeasureSteps);
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
        var options = new TrainingOptions
        {
            Device = settings.Device,
            BatchSize = settings.BatchSize,
            MaxSteps = settings.Steps,
            LogEvery = Math.Max(1, settings.Steps / 10),
            SaveEvery = 0,
        };
        manual_seed(1);
        using var model = new BertForPreTraining(config);
        var before = ResidentMegabytes();
        Console.WriteLine($"RSS before training: {before:F0} MB");
        var trace = new List<string>();
        Trainer.Train(model, data, options, output, vocab, progress: new ResidentSetProgress(p =>
            trace.Add($"step {p.Step}: {ResidentMegabytes():F0} MB ({p.TokensPerSecond:F0} tok/s)")));
        Console.WriteLine("RSS during training: " + string.Join(", ", trace));
        Console.WriteLine($"RSS after {settings.Steps} steps: {ResidentMegabytes():F0} MB");
        Directory.Delete(output, recursive: true);
        File.Delete(vocab);
    }

    // No GC.Collect here: tensors that escaped their dispose scope would be freed by finalizers and hide the leak.
    private static double ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1e6;
    }

    private sealed class ResidentSetProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
