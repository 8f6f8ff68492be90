using System.CommandLine;
using BertServerless.Shared;
using BertServerless.Worker.Training;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl train</c>: further pre-trains BERT on prepared shards and writes a Hugging Face checkpoint.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainingOptions();
        var shards = new Option<DirectoryInfo>("--shards") { Description = "Directory of shards written by bertsl prep", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory: final model, checkpoint-N/, eval.json", Required = true };
        var init = new Option<DirectoryInfo?>("--init") { Description = "Hugging Face model directory to start from (config.json, model.safetensors or pytorch_model.bin)" };
        var config = new Option<string>("--config") { Description = "Fresh model: preset (tiny, mini, small, base) or config.json path", DefaultValueFactory = _ => "base" };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "vocab.txt the shards were prepared with (default: the --init model's, else bert-base-uncased)" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Checkpoint directory to continue exactly (its recipe wins over the flags below)" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var maxSteps = new Option<int>("--max-steps") { Description = "Stop after this many optimizer steps (0 = all epochs)", DefaultValueFactory = _ => defaults.MaxSteps };
        var warmup = new Option<double>("--warmup-ratio") { DefaultValueFactory = _ => defaults.WarmupRatio };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => defaults.WeightDecay };
        var gradAccum = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.GradientAccumulation };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var saveEvery = new Option<int>("--save-every") { Description = "Checkpoint every N steps (0 = only at the end)", DefaultValueFactory = _ => defaults.SaveEvery };
        var logEvery = new Option<int>("--log-every") { DefaultValueFactory = _ => defaults.LogEvery };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => defaults.Device };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = libtorch default)", DefaultValueFactory = _ => defaults.Threads };
        var bf16 = new Option<bool>("--bf16") { Description = "bfloat16 forward/backward with fp32 master weights (CUDA only)" };
        var bucketing = new Option<bool>("--length-bucketing") { Description = "Batch sequences of similar length together" };
        var evalShards = new Option<DirectoryInfo?>("--eval-shards") { Description = "Held-out shards (default: the last 10% of --shards)" };

        var command = new Command("train", "Pre-train BERT (MLM + NSP) on prepared shards")
        {
            shards, output, init, config, vocab, resume, epochs, batchSize, lr, maxSteps, warmup, weightDecay, gradAccum,
            seed, saveEvery, logEvery, device, threads, bf16, bucketing, evalShards,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var initDirectory = parse.GetValue(init)?.FullName;
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(lr),
                MaxSteps = parse.GetValue(maxSteps),
                WarmupRatio = parse.GetValue(warmup),
                WeightDecay = parse.GetValue(weightDecay),
                GradientAccumulation = parse.GetValue(gradAccum),
                Seed = parse.GetValue(seed),
                SaveEvery = parse.GetValue(saveEvery),
                LogEvery = parse.GetValue(logEvery),
                Device = parse.GetValue(device)!,
                Threads = parse.GetValue(threads),
                Bf16 = parse.GetValue(bf16),
                LengthBucketing = parse.GetValue(bucketing),
                EvalShardsDirectory = parse.GetValue(evalShards)?.FullName,
            };
            var job = new TrainingJob(parse.GetValue(shards)!.FullName, parse.GetValue(output)!.FullName, VocabularyFor(parse.GetValue(vocab), initDirectory), options)
            {
                InitModel = initDirectory,
                Config = parse.GetValue(config)!,
                ResumeFrom = parse.GetValue(resume)?.FullName,
            };
            try
            {
                return await Task.Run(() => Run(job, cancellationToken), CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Bad paths and mismatched inputs are the user's to fix: say what is wrong, without a stack trace.
                var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
                Console.Error.WriteLine($"bertsl train: {message}");
                return 2;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("bertsl train: cancelled before training started.");
                return 130;
            }
        });
        return command;
    }

    private static string VocabularyFor(FileInfo? vocab, string? initDirectory)
    {
        if (vocab is not null) return vocab.FullName;
        var initVocab = initDirectory is null ? null : Path.Combine(initDirectory, "vocab.txt");
        return initVocab is not null && File.Exists(initVocab) ? initVocab : DefaultVocabulary.FilePath();
    }

    private static int Run(TrainingJob job, CancellationToken cancellationToken)
    {
        var report = !ConsoleProgress.IsInteractive
            ? job.Run(new InlineProgress<TrainingProgress>(p => Console.WriteLine(p.Describe())), cancellationToken)
            : RunWithProgressBar(job, cancellationToken);

        if (report.Before is { } before && report.After is { } after)
            Console.WriteLine($"held-out mlm_loss {before.MlmLoss:F4} -> {after.MlmLoss:F4}, perplexity {before.Perplexity:F1} -> {after.Perplexity:F1}, nsp_accuracy {before.NspAccuracy:F3} -> {after.NspAccuracy:F3}");
        else if (report.Before is null)
            Console.WriteLine("No held-out shards (pass --eval-shards, or prepare more than one shard): evaluation skipped.");
        if (report.Outcome.Cancelled)
        {
            Console.WriteLine($"Cancelled at step {report.Outcome.State.GlobalStep}; resume with --resume {report.Outcome.Checkpoint}");
            return 130;
        }
        Console.WriteLine($"Model written to {report.Outcome.Checkpoint}");
        return 0;
    }

    private static TrainingReport RunWithProgressBar(TrainingJob job, CancellationToken cancellationToken)
        => AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", autoStart: true);
                return job.Run(new InlineProgress<TrainingProgress>(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    if (p.Metrics is { } m)
                        task.Description = $"step {p.Step}/{p.TotalSteps} loss {m.Loss:F3} mlm_acc {m.MlmAccuracy:F2} {p.TokensPerSecond:F0} tok/s";
                    AnsiConsole.WriteLine(p.Describe());
                }), cancellationToken);
            });

}
