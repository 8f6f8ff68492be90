using System.Globalization;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Bench;

/// <summary>
/// Two-phase sequence length against one phase, and the worker's estimate against the run: the book is prepared in
/// segment pairing (sequences packed to the length, as BERT's own recipe) once at --max-len 128 with phase2_max_len
/// --phase2-max-len 512 and once at 512 alone; then the same --steps optimizer steps of --preset train (a) two-phase,
/// the last --phase2-fraction at 512, (b) all at 512 and (c) all at 128 (the two-phase prep's first-phase shards). For each, <see cref="TrainingJob.TimeSteps"/>
/// (the estimate the worker writes to status.json) is printed beside the measured training time per step (from the
/// trainer's last progress report: evaluation and the final save are not in it, as they are not in the estimate).
/// Options: --book (default samples/meditations.txt), --preset tiny, --steps 40, --batch-size 16, --device auto, --threads N.
/// </summary>
public static class PhasesBenchmark
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var book = args.Text("--book", RepoPaths.Sample("meditations.txt"));
        var maxLen = args.Number("--max-len", 128);
        var phase2MaxLen = args.Number("--phase2-max-len", 512);
        var fraction = double.Parse(args.Text("--phase2-fraction", "0.1"), CultureInfo.InvariantCulture);
        var hardware = new TrainingHardware { Device = args.Text("--device", "auto"), Threads = args.Number("--threads", 0), LogEvery = 1 };
        TrainingRecipe Recipe(double phase2Fraction) => new()
        {
            Preset = args.Text("--preset", "tiny"), BatchSize = args.Number("--batch-size", 16), MaxSteps = args.Number("--steps", 40), SaveEvery = 0,
            Phase2Fraction = phase2Fraction,
        };
        var recipe = Recipe(0);
        hardware.Prepare();

        var twoPhaseShards = await PrepareAsync(book, new PrepOptions { MaxLen = maxLen, Phase2MaxLen = phase2MaxLen, Pairing = PairingMode.Segment });
        var longShards = await PrepareAsync(book, new PrepOptions { MaxLen = phase2MaxLen, Pairing = PairingMode.Segment });
        Console.WriteLine($"{Path.GetFileName(book)}, preset {recipe.Preset}, batch {recipe.BatchSize}, {recipe.MaxSteps} steps, device {hardware.Device}, threads {get_num_threads()}");

        var runs = new (string Name, string Shards, double Fraction)[]
        {
            ($"(a) two-phase: {1 - fraction:P0} at {maxLen}, {fraction:P0} at {phase2MaxLen}", twoPhaseShards, fraction),
            ($"(b) one phase at {phase2MaxLen}", longShards, 0),
            // The first phase's shards are those of a one-phase prep, byte for byte.
            ($"(c) one phase at {maxLen}", twoPhaseShards, 0),
        };
        var seconds = new List<double>();
        foreach (var (name, shards, phase2Fraction) in runs)
        {
            var job = new TrainingJob(shards, Directory.CreateTempSubdirectory("bertsl-bench-phases-").FullName, Recipe(phase2Fraction), hardware);
            var estimate = job.TimeSteps();
            var elapsed = new List<double>();
            job.Run(new InlineTrainingObserver(onProgress: p => elapsed.Add(p.Elapsed.TotalSeconds)));
            var actual = elapsed[^1];
            var switchAt = estimate.TotalSteps - estimate.Phase2Steps;
            var phases = estimate.Phase2Steps > 0
                ? $": phase 1 {elapsed[switchAt - 1] / switchAt:F3} s/step, phase 2 {(actual - elapsed[switchAt - 1]) / estimate.Phase2Steps:F3} s/step"
                : "";
            seconds.Add(actual);
            Console.WriteLine($"  {name}: trained in {actual:F1} s ({actual / elapsed.Count:F3} s/step{phases})");
            Console.WriteLine($"      estimate {estimate.ExpectedSeconds:F1} s, {(estimate.ExpectedSeconds - actual) / actual:+0%;-0%} off: {estimate.Describe()}");
            Directory.Delete(job.OutputDirectory, recursive: true);
        }
        Console.WriteLine($"  two-phase takes {seconds[0] / seconds[1]:P0} of the time of one phase at {phase2MaxLen}");
        foreach (var directory in new[] { twoPhaseShards, longShards }) Directory.Delete(directory, recursive: true);
        return 0;
    }

    private static async Task<string> PrepareAsync(string book, PrepOptions options)
    {
        var directory = Directory.CreateTempSubdirectory($"bertsl-bench-phases-{options.MaxLen}-").FullName;
        await using var stream = File.OpenRead(book);
        await new PrepPipeline(BertTokenization.Default, options).RunAsync(stream, Path.GetFileName(book), new DirectoryShardSink(directory));
        return directory;
    }
}
