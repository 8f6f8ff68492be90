using System.CommandLine;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl train</c>: further pre-trains BERT on prepared shards and writes checkpoints in <see cref="CheckpointLayout"/>.
/// Every <see cref="TrainingRecipe"/> knob is a flag (<c>--learning-rate</c>) or a <c>--set</c> pair (<c>learning_rate=1e-3</c>),
/// as in an upload's metadata; the hardware (<c>--device</c>, <c>--threads</c>, <c>--log-every</c>) is separate.
/// </summary>
public static class TrainCommand
{
    // The flags this command had before the recipe was one class; they keep working.
    private static readonly Dictionary<string, string[]> RecipeAliases = new()
    {
        ["preset"] = ["--config"],
        ["base_model"] = ["--init"],
        ["learning_rate"] = ["--lr"],
        ["gradient_accumulation"] = ["--grad-accum"],
    };

    public static Command Create()
    {
        var shards = new Option<DirectoryInfo>("--shards") { Description = "Directory of shards written by bertsl prep", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory: step-NNNNNN/, final/, eval.json", Required = true };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "vocab.txt the shards were prepared with (default: the resumed or base model's, else bert-base-uncased)" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Step checkpoint to continue exactly: its saved recipe replaces the recipe flags" };
        var evalShards = new Option<DirectoryInfo?>("--eval-shards") { Description = "Held-out shards (default: the last eval_fraction of --shards)" };
        var recipe = new KnobFlags<TrainingRecipe>(RecipeAliases, withSet: true);
        var hardware = new KnobFlags<TrainingHardware>();

        var command = new Command("train", "Pre-train BERT (MLM + NSP) on prepared shards") { shards, output, vocab, resume, evalShards };
        foreach (var option in recipe.Options.Concat(hardware.Options)) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var knobs = recipe.Read(parse);
            if (knobs.MaxCost is not null)
                throw new ArgumentException("max_cost is checked by the worker against its price table, and bertsl train has none: set it on an upload (bertsl upload --set max_cost=...).");
            var job = new TrainingJob(parse.GetValue(shards)!.FullName, parse.GetValue(output)!.FullName, knobs, hardware.Read(parse))
            {
                ResumeFrom = parse.GetValue(resume)?.FullName,
                EvalShardsDirectory = parse.GetValue(evalShards)?.FullName,
                Vocabulary = parse.GetValue(vocab)?.FullName,
            };
            return await RunAsync(job, cancellationToken);
        }));
        return command;
    }

    private static async Task<int> RunAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        var run = await TrainingProgressDisplay.RunAsync(progress => Task.Run(() => job.Run(new InlineTrainingObserver(
            p => progress.Report(p.ToJobProgress()),
            c => AnsiConsole.MarkupLineInterpolated($"[grey]step {c.Step}/{c.TotalSteps}: checkpoint written to {c.Directory}[/]")), cancellationToken), CancellationToken.None));

        if (run.Evaluation.Before is null)
            Console.WriteLine("No held-out shards (pass --eval-shards, or prepare more than one sequence): evaluation skipped.");
        EvaluationDisplay.Write(run.Evaluation.Before, run.Evaluation.After, run.Evaluation.ControlBefore, run.Evaluation.ControlAfter);
        if (run.Outcome.Cancelled)
        {
            Console.WriteLine($"Cancelled at step {run.Outcome.State.GlobalStep}; resume with --resume {run.Outcome.Checkpoint}");
            return CliErrors.Cancelled;
        }
        Console.WriteLine($"Model written to {run.Outcome.Checkpoint}");
        return CliErrors.Ok;
    }
}
