using System.Diagnostics;
using BertServerless.Shared;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;
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
/// on the device, evaluate the start model on the held-out book and the control text, train, evaluate the final model
/// likewise, write <c>eval.json</c> (the adaptation report) and the final folder's model card. The start model is the
/// base model (<see cref="BaseModelDirectory"/>, or the recipe's base_model read as a local directory), else a fresh
/// model of the recipe's preset seeded by its seed; training continues <see cref="ResumeFrom"/>'s checkpoint if set.
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

    /// <summary>The adaptation report's control text (<see cref="Evaluation.ControlText"/>); null leaves it out.</summary>
    public string? ControlTextPath { get; init; } = File.Exists(ControlText.DefaultPath) ? ControlText.DefaultPath : null;

    public TrainingRun Run(ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        // A resumed run keeps the recipe it started with: same split, data order and schedule.
        var recipe = ResumeFrom is null ? Recipe : TrainerState.Load(ResumeFrom).Recipe;
        recipe.Validate();
        // The start model is known even when resuming: the adaptation report compares the final model with it.
        var baseModel = BaseModelDirectory ?? recipe.BaseModel;
        var vocabPath = TrainingVocabulary.Select(Vocabulary, ShardsDirectory, ResumeFrom ?? baseModel);
        var (train, eval) = EvalShardsDirectory is { } evalDirectory
            ? (ShardDataset.Load(ShardsDirectory), ShardDataset.Load(evalDirectory))
            : ShardDataset.LoadWithHoldOut(ShardsDirectory, recipe.EvalFraction);
        var vocabSize = TrainingVocabulary.CheckFitsShards(vocabPath, train.Metadata);
        var vocabulary = Tokenizer(vocabPath, train.Metadata);
        var phase2 = LoadPhase2(recipe, vocabPath);
        var device = Hardware.Prepare();
        var controlDirectory = Directory.CreateTempSubdirectory("bertsl-control-").FullName;
        try
        {
            var control = ControlTextPath is null || vocabulary is null ? null : ControlText.Prepare(ControlTextPath, controlDirectory, vocabulary, train.Metadata);
            return Run(recipe, baseModel, vocabPath, vocabSize, vocabulary, train, phase2, eval, control, device, observer, cancellationToken);
        }
        finally
        {
            Directory.Delete(controlDirectory, recursive: true);
        }
    }

    private TrainingRun Run(TrainingRecipe recipe, string? baseModel, string vocabPath, int vocabSize, BertTokenization? vocabulary, ShardDataset train,
        ShardDataset? phase2, ShardDataset? eval, ShardDataset? control, Device device, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        // A resumed run rebuilds its start model to score it, unless the base model is not on this machine (a local
        // resume of a job whose base model was a storage folder): then the report has no start scores.
        var scoresStart = ResumeFrom is null || baseModel is null || Directory.Exists(baseModel);
        // Disposed here: a worker host trains job after job in one process, and a model's tensors may live on the GPU.
        var model = scoresStart ? LoadStartModel(baseModel, vocabSize, vocabulary, recipe) : HfCheckpoint.Load(ResumeFrom!);
        try
        {
            TrainingVocabulary.CheckFitsModel(vocabPath, model.Config.VocabSize);
            model.to(device);
            var before = scoresStart ? Score(model, eval, recipe, cancellationToken) : null;
            var controlBefore = scoresStart ? Score(model, control, recipe, cancellationToken) : null;
            if (ResumeFrom is not null && scoresStart)
            {
                model.Dispose();
                model = HfCheckpoint.Load(ResumeFrom);
                model.to(device);
            }

            TrainingOutcome outcome;
            PrecisionChoice precision;
            var clock = Stopwatch.StartNew();
            using (var trainer = new Trainer(model, recipe, Hardware))
            {
                precision = trainer.Precision;
                outcome = trainer.Train(train, OutputDirectory, vocabPath, ResumeFrom, observer, cancellationToken, phase2);
            }
            var trainingTime = clock.Elapsed;
            var after = outcome.Cancelled ? null : Score(model, eval, recipe, CancellationToken.None);
            var controlAfter = outcome.Cancelled ? null : Score(model, control, recipe, CancellationToken.None);

            var evaluation = new EvaluationReport(before, after, eval?.Files.Select(Path.GetFileName).OfType<string>().ToArray() ?? [])
            {
                ControlBefore = controlBefore,
                ControlAfter = controlAfter,
                ControlText = control is null ? null : ControlText.FileName,
            };
            evaluation.Save(Path.Combine(OutputDirectory, CheckpointLayout.EvalFile));
            if (!outcome.Cancelled)
                ModelCard.Save(outcome.Checkpoint, new ModelCardFacts(recipe, model.Config, train.Metadata, outcome.State.GlobalStep,
                    trainingTime, ResumeFrom is not null, Describe(device, precision), evaluation) { DomainVocabulary = DomainVocabularyBesideShards() });
            return new TrainingRun(outcome, evaluation);
        }
        finally
        {
            model.Dispose();
        }
    }

    /// <summary>The report prep writes beside the shards with the domain vocabulary (the worker downloads it there too).</summary>
    private DomainVocabularyReport? DomainVocabularyBesideShards()
    {
        var path = Path.Combine(ShardsDirectory, Shared.Tokenization.DomainVocabulary.ReportFile);
        return File.Exists(path) ? DocumentJson.Read<DomainVocabularyReport>(path, "domain vocabulary report") : null;
    }

    private static EvaluationResult? Score(BertForPreTraining model, ShardDataset? data, TrainingRecipe recipe, CancellationToken cancellationToken)
        => data is null ? null : Evaluator.Evaluate(model, data, recipe.BatchSize, cancellationToken);

    /// <summary>
    /// Times a few steps of each phase (<see cref="StepTimer"/>) on a model of its own, so that the run which follows
    /// starts from the weights, data position and RNG of a run never timed; the estimate it returns has no prices yet.
    /// </summary>
    public TrainingEstimate TimeSteps(CancellationToken cancellationToken = default)
    {
        if (ResumeFrom is not null) throw new InvalidOperationException("A resumed run keeps the estimate made before its first step.");
        Recipe.Validate();
        var baseModel = BaseModelDirectory ?? Recipe.BaseModel;
        var vocabPath = TrainingVocabulary.Select(Vocabulary, ShardsDirectory, baseModel);
        var train = EvalShardsDirectory is null ? ShardDataset.LoadWithHoldOut(ShardsDirectory, Recipe.EvalFraction).Train : ShardDataset.Load(ShardsDirectory);
        var vocabSize = TrainingVocabulary.CheckFitsShards(vocabPath, train.Metadata);
        var phase2 = LoadPhase2(Recipe, vocabPath);
        var device = Hardware.Prepare();

        using var model = LoadStartModel(baseModel, vocabSize, Tokenizer(vocabPath, train.Metadata), Recipe);
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

    /// <summary>
    /// The base model, its new domain words' rows initialised (<see cref="DomainEmbeddingInit"/>) when the job's
    /// vocabulary fills slots its own leaves unused; else a fresh model of the preset, seeded by the recipe's seed so a
    /// resumed run rebuilds the same start.
    /// </summary>
    private static BertForPreTraining LoadStartModel(string? baseModel, int vocabSize, BertTokenization? vocabulary, TrainingRecipe recipe)
    {
        if (baseModel is null)
        {
            manual_seed(recipe.Seed);
            return new BertForPreTraining(BertConfig.FromPresetOrPath(recipe.Preset, vocabSize));
        }
        var model = HfCheckpoint.Load(baseModel);
        if (vocabulary is not null && ModelVocabulary(baseModel, model.Config.VocabSize, vocabulary.LowerCase) is { } own && own.VocabSha256 != vocabulary.VocabSha256)
            DomainEmbeddingInit.Apply(model, own, vocabulary);
        return model;
    }

    /// <summary>
    /// The job's vocabulary as a tokenizer, for the control text and the domain words; null for one that only numbers
    /// tokens (no [UNK] or [MASK], as a test's synthetic vocabulary): training needs no more than its size.
    /// </summary>
    private static BertTokenization? Tokenizer(string vocabPath, IReadOnlyDictionary<string, string> shardMetadata)
    {
        try
        {
            return BertTokenization.FromVocabFile(vocabPath, shardMetadata.GetValueOrDefault(ShardFormat.Meta.DoLowerCase) != "false");
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The base model's vocab.txt, else bert-base-uncased when the model has its size; null when the model's vocabulary is unknown.</summary>
    private static BertTokenization? ModelVocabulary(string baseModel, int vocabSize, bool lowerCase)
    {
        var file = Path.Combine(baseModel, CheckpointLayout.VocabFile);
        if (File.Exists(file)) return BertTokenization.FromVocabFile(file, lowerCase);
        return vocabSize == BertTokenization.Default.VocabSize ? BertTokenization.Default : null;
    }
}
