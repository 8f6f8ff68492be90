using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// One training job end to end, shared by <c>bertsl train</c> and the worker host: load and split the shards, check
/// the vocabulary, build or load the model, evaluate, train, evaluate again, write <c>eval.json</c>.
/// The model starts from <see cref="InitModel"/> (a Hugging Face directory), else from a fresh
/// <see cref="Config"/> (preset name or config.json path), else from <see cref="ResumeFrom"/>'s checkpoint.
/// </summary>
public sealed record TrainingJob(string ShardsDirectory, string OutputDirectory, string VocabPath, TrainingOptions Options)
{
    public string? InitModel { get; init; }
    public string Config { get; init; } = "base";
    public string? ResumeFrom { get; init; }

    public TrainingReport Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // A resumed run keeps the recipe it started with: same split, data order and schedule.
        var options = ResumeFrom is null ? Options : TrainerState.Load(ResumeFrom).Options.ResumedWith(Options);
        options.Validate();
        var (train, eval) = options.EvalShardsDirectory is { } evalDirectory
            ? (ShardDataset.Load(ShardsDirectory), ShardDataset.Load(evalDirectory))
            : ShardDataset.LoadWithHoldOut(ShardsDirectory, options.EvalFraction);
        var vocabSize = VocabularyCheck.Check(VocabPath, train.Metadata);

        // Disposed here: a worker host trains job after job in one process, and a model's tensors may live on the GPU.
        using var model = LoadModel(vocabSize, options.Seed);
        HfCheckpoint.CheckVocabulary(model.Config, VocabPath);
        model.to(TrainingDevice.Resolve(options.Device));

        var before = eval is null ? null : Evaluator.Evaluate(model, eval, options.BatchSize, cancellationToken);
        var outcome = Trainer.Train(model, train, options, OutputDirectory, VocabPath, ResumeFrom, progress, cancellationToken);
        var after = eval is null || outcome.Cancelled ? null : Evaluator.Evaluate(model, eval, options.BatchSize);

        var report = new TrainingReport(outcome, before, after, eval?.Files.Select(Path.GetFileName).OfType<string>().ToArray() ?? []);
        report.Save(OutputDirectory);
        return report;
    }

    private BertForPreTraining LoadModel(int vocabSize, int seed)
    {
        if (ResumeFrom is not null) return HfCheckpoint.Load(ResumeFrom);
        if (InitModel is not null) return HfCheckpoint.Load(InitModel);
        manual_seed(seed); // a fresh model's initial weights follow the run's seed
        return new BertForPreTraining(File.Exists(Config) ? BertConfig.Load(Config) : BertConfig.Preset(Config, vocabSize));
    }
}
