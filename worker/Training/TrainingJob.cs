using System.Diagnostics;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Training;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using BertServerless.Worker.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// One training job end to end, shared by <c>bertsl train</c> and the worker host: take the recipe (the resumed
/// checkpoint's, when resuming), choose and check the vocabulary, load and split the shards, build or load the model
/// on the device, evaluate, train, evaluate again, write <c>eval.json</c> and the final folder's model card. The model is <see cref="ResumeFrom"/>'s
/// checkpoint if set, else the base model (<see cref="BaseModelDirectory"/>, or the recipe's base_model read as a local
/// directory), else a fresh model of the recipe's preset seeded by its seed.
/// </summary>
public sealed record TrainingJob(string ShardsDirectory, string OutputDirectory, TrainingRecipe Recipe, TrainingHardware Hardware)
{
    /// <summary>A step checkpoint folder to continue exactly; its saved recipe replaces <see cref="Recipe"/>.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Where the caller fetched the recipe's base_model to, when it is not a local directory (a storage folder).</summary>
    public string? BaseModelDirectory { get; init; }

    /// <summary>Separate held-out shards; without them the recipe's eval_fraction of the shards is held out.</summary>
    public string? EvalShardsDirectory { get; init; }

    /// <summary>A vocab.txt the user named; otherwise <see cref="TrainingVocabulary.Select"/> decides.</summary>
    public string? Vocabulary { get; init; }

    public TrainingRun Run(ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        // A resumed run keeps the recipe it started with: same split, data order and schedule.
        var recipe = ResumeFrom is null ? Recipe : TrainerState.Load(ResumeFrom).Recipe;
        recipe.Validate();
        var baseModel = ResumeFrom is null ? BaseModelDirectory ?? recipe.BaseModel : null;
        var vocabPath = TrainingVocabulary.Select(Vocabulary, ResumeFrom ?? baseModel);
        var (train, eval) = EvalShardsDirectory is { } evalDirectory
            ? (ShardDataset.Load(ShardsDirectory), ShardDataset.Load(evalDirectory))
            : ShardDataset.LoadWithHoldOut(ShardsDirectory, recipe.EvalFraction);
        var vocabSize = TrainingVocabulary.CheckFitsShards(vocabPath, train.Metadata);
        var phase2 = LoadPhase2(recipe, vocabPath);
        var device = Hardware.Prepare();

        // Disposed here: a worker host trains job after job in one process, and a model's tensors may live on the GPU.
        using var model = LoadModel(baseModel, vocabSize, recipe);
        TrainingVocabulary.CheckFitsModel(vocabPath, model.Config.VocabSize);
        model.to(device);

        var before = eval is null ? null : Evaluator.Evaluate(model, eval, recipe.BatchSize, cancellationToken);
        TrainingOutcome outcome;
        PrecisionChoice precision;
        var clock = Stopwatch.StartNew();
        using (var trainer = new Trainer(model, recipe, Hardware))
        {
            precision = trainer.Precision;
            outcome = trainer.Train(train, OutputDirectory, vocabPath, ResumeFrom, observer, cancellationToken, phase2);
        }
        var trainingTime = clock.Elapsed;
        var after = eval is null || outcome.Cancelled ? null : Evaluator.Evaluate(model, eval, recipe.BatchSize);

        var evaluation = new EvaluationReport(before, after, eval?.Files.Select(Path.GetFileName).OfType<string>().ToArray() ?? []);
        evaluation.Save(Path.Combine(OutputDirectory, CheckpointLayout.EvalFile));
        if (!outcome.Cancelled)
            ModelCard.Save(outcome.Checkpoint, new ModelCardFacts(recipe, model.Config, train.Metadata, outcome.State.GlobalStep,
                trainingTime, ResumeFrom is not null, Describe(device, precision), evaluation));
        return new TrainingRun(outcome, evaluation);
    }

    /// <summary>
    /// Times a few steps of each phase (<see cref="StepTimer"/>) on a model of its own, so that the run which follows
    /// starts from the weights, data position and RNG of a run never timed; the estimate it returns has no prices yet.
    /// </summary>
    public TrainingEstimate TimeSteps(CancellationToken cancellationToken = default)
    {
        if (ResumeFrom is not null) throw new InvalidOperationException("A resumed run keeps the estimate made before its first step.");
        Recipe.Validate();
        var baseModel = BaseModelDirectory ?? Recipe.BaseModel;
        var vocabPath = TrainingVocabulary.Select(Vocabulary, baseModel);
        var train = EvalShardsDirectory is null ? ShardDataset.LoadWithHoldOut(ShardsDirectory, Recipe.EvalFraction).Train : ShardDataset.Load(ShardsDirectory);
        var vocabSize = TrainingVocabulary.CheckFitsShards(vocabPath, train.Metadata);
        var phase2 = LoadPhase2(Recipe, vocabPath);
        var device = Hardware.Prepare();

        using var model = LoadModel(baseModel, vocabSize, Recipe);
        TrainingVocabulary.CheckFitsModel(vocabPath, model.Config.VocabSize);
        model.to(device);
        var phases = TrainingPhases.For(Trainer.TotalSteps(Recipe, train.Count), Recipe.Phase2Fraction);
        return new TrainingEstimate
        {
            Device = Describe(device, PrecisionPolicy.For(Recipe.Precision, device)),
            TotalSteps = phases.TotalSteps,
            Phase2Steps = phases.Phase2Steps,
            SecondsPerStep = StepTimer.SecondsPerStep(model, Recipe, Hardware, train, cancellationToken),
            Phase2SecondsPerStep = phase2 is not null && phases.Phase2Steps > 0 ? StepTimer.SecondsPerStep(model, Recipe, Hardware, phase2, cancellationToken) : null,
            WarmupSteps = StepTimer.WarmupSteps,
            TimedSteps = StepTimer.TimedSteps,
        };
    }

    /// <summary>The phase-2 shards a phase2_fraction trains on, checked against the vocabulary; null for a one-phase run.</summary>
    private ShardDataset? LoadPhase2(TrainingRecipe recipe, string vocabPath)
    {
        if (recipe.Phase2Fraction == 0) return null;
        var phase2 = ShardDataset.LoadPhase2(ShardsDirectory, recipe.EvalFraction);
        TrainingVocabulary.CheckFitsShards(vocabPath, phase2.Metadata);
        return phase2;
    }

    private static string Describe(Device device, PrecisionChoice precision)
        => (device.type == DeviceType.CPU ? $"CPU ({get_num_threads()} threads)" : device.ToString()) + $" in {precision}";

    private BertForPreTraining LoadModel(string? baseModel, int vocabSize, TrainingRecipe recipe)
    {
        if (ResumeFrom is not null) return HfCheckpoint.Load(ResumeFrom);
        if (baseModel is not null) return HfCheckpoint.Load(baseModel);
        manual_seed(recipe.Seed); // a fresh model's initial weights follow the run's seed
        return new BertForPreTraining(BertConfig.FromPresetOrPath(recipe.Preset, vocabSize));
    }
}
