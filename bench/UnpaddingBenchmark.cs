using System.Diagnostics;
using System.Globalization;
using BertServerless.Shared.Shards;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Bench;

/// <summary>
/// Forward + backward time per step of the padded encoder against the unpadded one (<see cref="BertForPreTraining.Unpadded"/>),
/// both on the masked-only path, on the same dynamically padded batches of real shards. The two run interleaved,
/// batch by batch and in alternating order, so a loaded machine slows both alike; the ratio is the figure to read.
/// Options: --shards DIR (required, the output of bertsl prep), --presets tiny,small,base, --batch-size 16,
/// --batches 4 (per preset; each is timed once per mode after a warm-up pass), --threads N.
/// </summary>
public static class UnpaddingBenchmark
{
    public static Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var shards = args.Value("--shards") ?? throw new ArgumentException("--shards DIR is required (prepare one with: dotnet run -c Release --project cli -- prep -i samples/meditations.txt -o DIR --max-len 128).");
        if (args.Number("--threads", 0) is > 0 and var threads) set_num_threads(threads);
        var data = ShardDataset.Load(shards);
        var vocabSize = int.Parse(data.Metadata[ShardFormat.Meta.VocabSize], CultureInfo.InvariantCulture);
        var batchSize = args.Number("--batch-size", 16);
        var indices = Enumerable.Range(0, data.Count).ToArray();
        new Random(1).Shuffle(indices);
        var batches = indices.Chunk(batchSize).Take(args.Number("--batches", 4)).Select(b => data.Collate(b, 0)).ToArray();
        var real = batches.Sum(b => b.RealTokens);
        var padded = batches.Sum(b => b.PaddedTokens);
        Console.WriteLine($"shards {shards}: {data.Count} sequences; {batches.Length} batches of {batchSize}, mean length {batches.Average(b => b.Length):F0}, padding {1 - (double)real / padded:P0} of positions; threads {get_num_threads()}");

        foreach (var preset in args.List("--presets", "tiny,small,base"))
        {
            manual_seed(1);
            using var model = new BertForPreTraining(BertConfig.Preset(preset, vocabSize));
            model.train();
            var seconds = new Dictionary<bool, double> { [false] = 0, [true] = 0 };
            foreach (var batch in batches) { StepSeconds(model, batch, unpadded: false); StepSeconds(model, batch, unpadded: true); } // warm-up: kernels per shape
            for (var i = 0; i < batches.Length; i++)
                foreach (var unpadded in i % 2 == 0 ? new[] { false, true } : [true, false])
                    seconds[unpadded] += StepSeconds(model, batches[i], unpadded);
            Console.WriteLine($"{preset}: padded {seconds[false] / batches.Length * 1000:F0} ms/step, unpadded {seconds[true] / batches.Length * 1000:F0} ms/step, speed-up {seconds[false] / seconds[true]:F2}x");
        }
        return Task.FromResult(0);
    }

    private static double StepSeconds(BertForPreTraining model, Batch batch, bool unpadded)
    {
        model.Unpadded = unpadded;
        using var scope = NewDisposeScope();
        var inputs = batch.ToInputs(CPU);
        var clock = Stopwatch.StartNew();
        model.call(inputs).Loss!.backward();
        var elapsed = clock.Elapsed.TotalSeconds;
        model.zero_grad();
        return elapsed;
    }
}
