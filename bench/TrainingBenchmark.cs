using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BertServerless.Shared;
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
/// Training throughput, printed rather than asserted. For each --preset and --max-len, on one model and one sample of
/// sequences, in one process: (a) the tutorial's recipe (every sequence padded to max_len, MLM logits at every
/// position), (b) ours (dynamic padding, masked-only logits, unpadded encoder, flat AdamW) and (c) ours with length
/// bucketing, in real (non-pad) tokens per second; (b)'s time per step split into phases; model FLOP utilisation
/// against the measured matmul peak (<see cref="MatmulPeak"/>, same device, threads and number format); the peak RSS
/// (and, on CUDA, the GPU memory in use) of each configuration; and, where a PyTorch is installed, the plain-PyTorch
/// reference (bench/torch-reference) on the same shards, batches, device and precision, with the ratio.
/// Options: --preset tiny[,small,base], --max-len 512[,128], --batch-size 16, --measure-steps 10, --precision auto,
/// --recipes tutorial,ours,bucketed, --reference auto|off, --shards DIR (instead of preparing --book, default
/// samples/meditations.txt, at each max_len), --device auto, --threads N, --steps N (a leak run of the real
/// <see cref="Trainer"/> over N steps, printing RSS as it goes; default 0, none).
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>Debian's python3-torch on the CPU machines the CPU figures come from; BERTSL_TORCH_PYTHON names another (a GPU machine's CUDA PyTorch).</summary>
    private static readonly string PythonTorch = Environment.GetEnvironmentVariable("BERTSL_TORCH_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        if (args.Number("--threads", 0) is > 0 and var threads) set_num_threads(threads);
        var device = TrainingDevice.Resolve(args.Text("--device", "auto"));
        var recipe = new TrainingRecipe { BatchSize = args.Number("--batch-size", 16), SaveEvery = 0 };
        Knobs.TrySet(recipe, "precision", args.Text("--precision", "auto"));
        var precision = PrecisionPolicy.For(recipe.Precision, device);
        if (device.type == DeviceType.CUDA) precision.ApplyMatmulSetting();
        var recipes = args.List("--recipes", "tutorial,ours,bucketed").ToHashSet(StringComparer.OrdinalIgnoreCase);
        var measureSteps = args.Number("--measure-steps", 10);

        // The peak in the format the model computes in: fp32 (with TF32 where the choice allows it), bf16 or fp16.
        var peak = new Func<double>(() => MatmulPeak.Measure(device, device.type == DeviceType.CUDA ? 8192 : 2048, dtype: precision.HalfType ?? ScalarType.Float32));
        Console.WriteLine($"device {Describe(device)}, threads {get_num_threads()}, precision {precision}, batch {recipe.BatchSize}, {measureSteps} timed steps after a warm-up pass");
        Console.WriteLine($"matmul peak ({(device.type == DeviceType.CUDA ? 8192 : 2048)}² {precision.HalfType?.ToString() ?? "fp32"}, best of 7 after warm-up): {peak() / 1e9:F1} GFLOP/s now; each recipe's utilisation is against the better of two peaks measured just before and after its timed steps, so a machine whose load changes is compared with itself");

        foreach (var shards in await ShardSetsAsync(args))
        {
            var data = ShardDataset.Load(shards);
            var vocabSize = int.Parse(data.Metadata[ShardFormat.Meta.VocabSize], CultureInfo.InvariantCulture);
            var maxLen = int.Parse(data.Metadata[ShardFormat.Meta.MaxLen], CultureInfo.InvariantCulture);

            // The same sequences in every recipe: a seeded sample, batched in sampled order or by length.
            var indices = Enumerable.Range(0, data.Count).ToArray();
            new Random(1).Shuffle(indices);
            // Cycled when a big GPU batch asks for more sequences than the book has: repeats time the same as new rows.
            var chosen = Enumerable.Range(0, recipe.BatchSize * measureSteps).Select(i => indices[i % data.Count]).ToArray();
            var inOrder = chosen.Chunk(recipe.BatchSize).ToArray();
            var byLength = chosen.OrderByDescending(data.Length).Chunk(recipe.BatchSize).ToArray();
            var paddedShare = 1 - (double)inOrder.Sum(b => b.Sum(data.Length)) / inOrder.Sum(b => b.Length * b.Max(data.Length));
            Console.WriteLine($"max_len {maxLen}: {data.Count} sequences in {shards}; sampled batches: mean real length {chosen.Average(data.Length):F0}, dynamic padding {paddedShare:P0} of positions");

            foreach (var preset in args.List("--preset", "tiny"))
            {
                var config = BertConfig.Preset(preset, vocabSize);
                ResidentSet.ResetPeak();
                var results = new List<(string Name, StepFigures Figures)>();
                if (recipes.Contains("tutorial"))
                    results.Add(("(a) tutorial: pad to max_len, logits everywhere", MeasureSteps(config, data, inOrder, device, recipe, padTo: maxLen, maskedOnly: false, peak)));
                StepFigures? ours = null;
                if (recipes.Contains("ours"))
                    results.Add(("(b) ours: dynamic padding, masked-only logits, unpadded", ours = MeasureSteps(config, data, inOrder, device, recipe, padTo: null, maskedOnly: true, peak)));
                if (recipes.Contains("bucketed"))
                    results.Add(("(c) ours + --length-bucketing", MeasureSteps(config, data, byLength, device, recipe, padTo: null, maskedOnly: true, peak)));

                Console.WriteLine($"  {preset} @ {maxLen} ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}):");
                foreach (var (name, m) in results)
                    Console.WriteLine($"    {name}: {m.RealTokensPerSecond:F0} real tok/s, {m.StepSeconds * 1000:F0} ms/step, model FLOP utilisation {m.UsefulFlops / m.StepSeconds / 1e9:F1} GFLOP/s = {m.UsefulFlops / m.StepSeconds / m.Peak:P0} of {m.Peak / 1e9:F1}");
                if (ours is not null) Console.WriteLine($"    (b) per step: {ours.Phases}");
                if (results.Count > 1 && recipes.Contains("tutorial"))
                    Console.WriteLine("    speed-up over the tutorial: " + string.Join(", ", results.Skip(1).Select(r => $"{r.Name[..3]} {r.Figures.RealTokensPerSecond / results[0].Figures.RealTokensPerSecond:F1}x")));
                Console.WriteLine($"    peak RSS {ResidentSet.PeakMegabytes():F0} MB" + (device.type == DeviceType.CUDA ? $", GPU memory in use {GpuMemory.UsedMegabytes()} MB (nvidia-smi: the caching allocator's reserve, CUDA context included)" : ""));

                if (ours is not null && args.Text("--reference", "auto") != "off")
                    RunReference(shards, preset, inOrder, recipe.BatchSize, device, precision, ours.RealTokensPerSecond);
            }
        }

        if (args.Number("--steps", 0) is > 0 and var leakSteps)
            MeasureResidentSet(args, (await ShardSetsAsync(args))[0], recipe, device, leakSteps);
        return 0;
    }

    private static string Describe(Device device) => device.type == DeviceType.CUDA ? $"{device} ({GpuMemory.Name()})" : "cpu";

    /// <summary>(b)'s time per step by phase, in ms and share of the step.</summary>
    private sealed record PhaseTimes(double Data, double Forward, double Backward, double Optimizer, double Other)
    {
        public override string ToString()
        {
            var total = Data + Forward + Backward + Optimizer + Other;
            string Part(string name, double seconds) => $"{name} {seconds * 1000:F1} ms ({seconds / total:P0})";
            return string.Join(", ", Part("data/collate", Data), Part("forward", Forward), Part("backward", Backward), Part("optimizer", Optimizer), Part("other", Other));
        }
    }

    private sealed record StepFigures(double StepSeconds, double RealTokensPerSecond, double UsefulFlops, double Peak, PhaseTimes Phases);

    /// <summary>--shards DIR, or the book prepared at each --max-len.</summary>
    private static async Task<string[]> ShardSetsAsync(BenchArgs args)
    {
        if (args.Value("--shards") is { } given) return [given];
        var book = args.Text("--book", RepoPaths.Sample("meditations.txt"));
        var sets = new List<string>();
        foreach (var maxLen in args.List("--max-len", "512").Select(int.Parse)) sets.Add(await PrepareBookAsync(book, maxLen));
        return [.. sets];
    }

    /// <summary>The book prepared at <paramref name="maxLen"/> (prep's defaults otherwise) into a temp folder.</summary>
    private static async Task<string> PrepareBookAsync(string book, int maxLen)
    {
        var directory = Directory.CreateTempSubdirectory($"bertsl-bench-shards-{maxLen}-").FullName;
        await using var stream = File.OpenRead(book);
        await new PrepPipeline(BertTokenization.Default, new PrepOptions { MaxLen = maxLen })
            .RunAsync(stream, Path.GetFileName(book), new DirectoryShardSink(directory));
        return directory;
    }

    /// <summary>
    /// <see cref="Trainer.Step"/>, the loop's own step (data to the device, forward, backward, unscale, clip, AdamW,
    /// zero grad), on the same batches in every recipe, collating each batch inside the timed step as the loop does.
    /// libtorch prepares kernels per input shape, so every measured batch (or, padded to one length, one of them)
    /// runs once untimed first. On the CPU the phases are timed in the same pass; on CUDA, where timing a phase means
    /// waiting for the device, in a second pass, so the throughput figure has no such waits.
    /// </summary>
    private static StepFigures MeasureSteps(BertConfig config, ShardDataset data, int[][] measured, Device device, TrainingRecipe recipe, int? padTo, bool maskedOnly, Func<double> peak)
    {
        manual_seed(1);
        using var model = new BertForPreTraining(config) { MaskedOnlyLogits = maskedOnly };
        model.to(device);
        using var trainer = new Trainer(model, recipe, new TrainingHardware());
        foreach (var indices in padTo is null ? measured : measured[..1])
        {
            using var scope = NewDisposeScope();
            trainer.Step([data.Collate(indices, config.PadTokenId, padTo)]);
        }

        var onCuda = device.type == DeviceType.CUDA;
        var phases = new StepPhaseClock(device);
        var peakBefore = peak();
        var seconds = TimedPass(onCuda ? null : phases);
        var peakAfter = peak();
        var phaseWall = onCuda ? TimedPass(phases) : seconds;

        var batches = measured.Select(b => data.Collate(b, config.PadTokenId, padTo)).ToArray();
        var realTokens = batches.Sum(b => b.RealTokens);
        var steps = measured.Length;
        var phaseSum = Enum.GetValues<StepPhase>().Sum(phases.Seconds);
        var other = Math.Max(0, phaseWall - phaseSum);
        return new StepFigures(seconds / steps, realTokens / seconds, batches.Average(b => UsefulFlops(config, b)), Math.Max(peakBefore, peakAfter),
            new PhaseTimes(phases.Seconds(StepPhase.Data) / steps, phases.Seconds(StepPhase.Forward) / steps, phases.Seconds(StepPhase.Backward) / steps,
                phases.Seconds(StepPhase.Optimizer) / steps, other / steps));

        double TimedPass(StepPhaseClock? clock)
        {
            if (onCuda) cuda.synchronize();
            var wall = Stopwatch.StartNew();
            foreach (var indices in measured)
            {
                using var scope = NewDisposeScope();
                clock?.Start();
                trainer.Step([data.Collate(indices, config.PadTokenId, padTo)], clock);
            }
            using (var probe = model.parameters().First().sum()) probe.item<float>(); // waits for the device
            return wall.Elapsed.TotalSeconds;
        }
    }

    /// <summary>
    /// The matmul FLOPs training on this batch needs (backward counted as twice the forward), whatever the recipe
    /// spends: per real token and layer, the Q/K/V/output projections 8H² and the feed-forward 4·H·I; attention
    /// scores and mix 4·H·n per token of a sequence of n real tokens; the MLM head, 2H² + 2HV per masked position.
    /// Padding, and logits at unmasked positions, are work the tutorial's recipe does but the model does not need;
    /// the pooler and NSP head are negligible. Divided by time and the matmul peak: model FLOP utilisation.
    /// </summary>
    private static double UsefulFlops(BertConfig c, Batch batch)
    {
        double h = c.HiddenSize, layers = c.NumHiddenLayers, encoder = 0;
        for (var row = 0; row < batch.Size; row++)
        {
            double n = batch.AttentionMask.AsSpan(row * batch.Length, batch.Length).Count(1L);
            encoder += n * layers * (8 * h * h + 4 * h * c.IntermediateSize + 4 * h * n);
        }
        var head = batch.PredictedTokens * (2 * h * h + 2 * h * c.VocabSize);
        return 3 * (encoder + head);
    }

    /// <summary>
    /// bench/torch-reference/train_reference.py on the same shards and batches (warm-up pass included), at the same
    /// thread count, or on the same GPU in the same precision, when <see cref="PythonTorch"/> exists; prints its real
    /// tokens/s and ours over it.
    /// </summary>
    private static void RunReference(string shards, string preset, int[][] batches, int batchSize, Device device, PrecisionChoice precision, double ours)
    {
        if (!File.Exists(PythonTorch))
        {
            Console.WriteLine($"    PyTorch reference: skipped (no {PythonTorch})");
            return;
        }
        var batchFile = Path.Combine(Path.GetTempPath(), $"bertsl-bench-batches-{Guid.NewGuid()}.json");
        File.WriteAllText(batchFile, JsonSerializer.Serialize(batches.Concat(batches)));
        try
        {
            var start = new ProcessStartInfo(PythonTorch, [Path.Combine(RepoPaths.Root, "bench", "torch-reference", "train_reference.py"), "--shards", shards, "--preset", preset,
                "--batch-size", batchSize.ToString(CultureInfo.InvariantCulture), "--threads", get_num_threads().ToString(CultureInfo.InvariantCulture),
                "--batches", batchFile, "--warmup", batches.Length.ToString(CultureInfo.InvariantCulture),
                "--device", device.ToString(), "--precision", precision.Precision.ToString().ToLowerInvariant()])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"    PyTorch reference: skipped ({stderr.Result.Trim().Split('\n')[^1]})");
                return;
            }
            var line = output.Split('\n')[^1];
            Console.WriteLine($"    PyTorch reference: {line}");
            if (Regex.Match(line, @"([0-9.]+) real tok/s") is not { Success: true } figure)
            {
                Console.WriteLine("    PyTorch reference: its last line names no 'N real tok/s'");
                return;
            }
            var reference = double.Parse(figure.Groups[1].Value, CultureInfo.InvariantCulture);
            Console.WriteLine($"    (b) over the PyTorch reference: {ours / reference:F2}x" + (device.type == DeviceType.CPU ? " (goal for base @ 128 on 2 threads: >= 1.5x)" : ""));
        }
        finally
        {
            File.Delete(batchFile);
        }
    }

    /// <summary>Runs the real trainer for many steps and prints the resident set size as it goes: flat after warm-up means no leak.</summary>
    private static void MeasureResidentSet(BenchArgs args, string shards, TrainingRecipe recipe, Device device, int steps)
    {
        var preset = args.List("--preset", "tiny")[0];
        var data = ShardDataset.Load(shards);
        var maxLen = data.Metadata[ShardFormat.Meta.MaxLen];
        var config = BertConfig.Preset(preset, int.Parse(data.Metadata[ShardFormat.Meta.VocabSize], CultureInfo.InvariantCulture));
        var output = Path.Combine(Path.GetTempPath(), "bertsl-bench-" + Guid.NewGuid());
        var vocab = Path.Combine(output + "-vocab.txt");
        File.WriteAllLines(vocab, Enumerable.Range(0, config.VocabSize).Select(i => $"t{i}"));
        recipe.MaxSteps = steps;
        var hardware = new TrainingHardware { LogEvery = Math.Max(1, steps / 10) };
        manual_seed(1);
        using var model = new BertForPreTraining(config);
        model.to(device);
        var before = ResidentSet.CurrentMegabytes();
        Console.WriteLine($"leak run, {preset} @ {maxLen}, {steps} steps: RSS before training {before:F0} MB");
        // Live tensors (TorchSharp's count for this thread, where the loop runs) beside RSS: a count that climbs is a tensor
        // leak; a flat count under a climbing RSS is the native allocator.
        var trace = new List<(int Step, double Megabytes, long LiveTensors)>();
        using (var trainer = new Trainer(model, recipe, hardware))
            trainer.Train(data, output, vocab, observer: new InlineTrainingObserver(p => trace.Add((p.Step, ResidentSet.CurrentMegabytes(), DisposeScopeManager.Statistics.ThreadTotalLiveCount))));
        Console.WriteLine("RSS during training: " + string.Join(", ", trace.Select(t => $"step {t.Step}: {t.Megabytes:F0} MB ({t.LiveTensors} live tensors)")));
        var after = ResidentSet.CurrentMegabytes();
        Console.WriteLine($"RSS after {steps} steps: {after:F0} MB; drift from the first report (step {trace[0].Step}, allocator warmed up): {(after - trace[0].Megabytes) / trace[0].Megabytes:P1} (goal <= 5%)");
        Directory.Delete(output, recursive: true);
        File.Delete(vocab);
    }
}
