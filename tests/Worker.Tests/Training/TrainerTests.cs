using BertServerless.Shared;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bertsl-trainer-" + Guid.NewGuid());
    private readonly string _vocab;

    public TrainerTests()
    {
        Directory.CreateDirectory(_directory);
        _vocab = Path.Combine(_directory, "vocab.txt");
        File.WriteAllLines(_vocab, Enumerable.Range(0, SyntheticShards.VocabSize).Select(i => i switch { 0 => "[PAD]", 1 => "[CLS]", 2 => "[SEP]", 3 => "[MASK]", _ => $"w{i}" }));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static BertForPreTraining TinyModel(int seed)
    {
        manual_seed(seed);
        return new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
    }

    private static TrainingOptions Options(int maxSteps) => new()
    {
        Device = "cpu",
        BatchSize = 8,
        LearningRate = 1e-3,
        MaxSteps = maxSteps,
        GradientAccumulation = 2,
        LogEvery = 1,
        SaveEvery = 0,
    };

    private static float[] Weights(BertForPreTraining model)
        => [.. model.UniqueNamedParameters().SelectMany(p => p.Param.detach().cpu().data<float>().ToArray())];

    [Fact]
    public void Train_resumed_from_checkpoint_matches_uninterrupted_run()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]); // 5 batches: steps cross an epoch
        var uninterrupted = TinyModel(seed: 1);
        var options = Options(maxSteps: 6);
        options.SaveEvery = 3;
        Trainer.Train(uninterrupted, data, options, Path.Combine(_directory, "full"), _vocab);

        var checkpoint = Path.Combine(_directory, "full", TrainingCheckpoint.DirectoryName(3));
        var resumed = HfCheckpoint.Load(checkpoint);
        var resumedOptions = TrainerState.Load(checkpoint).Options.ResumedWith(options);
        var outcome = Trainer.Train(resumed, data, resumedOptions, Path.Combine(_directory, "resumed"), _vocab, resumeFrom: checkpoint);

        Assert.Equal(6, outcome.State.GlobalStep);
        Assert.Equal(new DataPosition(2, 0), outcome.State.Position); // 5 batches an epoch in steps of 2, 2 and 1
        Assert.Equal(Weights(uninterrupted), Weights(resumed));
        Assert.NotEqual(Weights(TinyModel(seed: 1)), Weights(resumed));
    }

    [Fact]
    public void Train_on_learnable_shards_lowers_mlm_loss()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(256, seed: 4))]);
        var held = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(64, seed: 99))]);
        var model = TinyModel(seed: 2);
        var options = Options(maxSteps: 0);
        options.Epochs = 2;
        options.GradientAccumulation = 1;
        options.BatchSize = 16;
        options.LearningRate = 2e-3;

        var before = Evaluator.Evaluate(model, held, batchSize: 32);
        var outcome = Trainer.Train(model, data, options, Path.Combine(_directory, "learn"), _vocab);
        var after = Evaluator.Evaluate(model, held, batchSize: 32);

        Assert.Equal(32, outcome.State.GlobalStep);
        Assert.True(after.MlmLoss < before.MlmLoss - 0.5, $"held-out MLM loss {before.MlmLoss:F3} -> {after.MlmLoss:F3}");
        Assert.True(outcome.State.LossHistory[^1].MlmLoss < outcome.State.LossHistory[0].MlmLoss);
        Assert.True(File.Exists(Path.Combine(_directory, "learn", TrainerState.FileName)));
        Assert.True(File.Exists(Path.Combine(_directory, "learn", OptimizerStateFile.FileName)));
    }

    [Fact]
    public void Train_cancelled_saves_checkpoint_after_the_running_step_and_stops()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        using var cancellation = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var progress = new InlineProgress<TrainingProgress>(p =>
        {
            reports.Add(p);
            if (p.Step == 2) cancellation.Cancel();
        });

        var outcome = Trainer.Train(TinyModel(seed: 1), data, Options(maxSteps: 10), Path.Combine(_directory, "cancel"), _vocab, progress: progress, cancellationToken: cancellation.Token);

        // Cancelled while reporting step 2, the loop next looks at the token when step 3 is done.
        Assert.True(outcome.Cancelled);
        Assert.Equal(3, TrainerState.Load(outcome.Checkpoint).GlobalStep);
        Assert.Equal(Path.Combine(_directory, "cancel", TrainingCheckpoint.DirectoryName(3)), outcome.Checkpoint);
        Assert.Contains(reports, r => r.Checkpoint == outcome.Checkpoint);
    }

    [Fact]
    public void Train_reports_progress_with_real_tokens_and_decaying_lr()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var reports = new List<TrainingProgress>();
        var options = Options(maxSteps: 4);
        options.WarmupRatio = 0.25;

        Trainer.Train(TinyModel(seed: 1), data, options, Path.Combine(_directory, "progress"), _vocab, progress: new InlineProgress<TrainingProgress>(reports.Add));

        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Step));
        Assert.Equal([0, 1e-3, 1e-3 * 2 / 3, 1e-3 / 3], reports.Select(r => r.Metrics!.LearningRate), new DoubleComparer(1e-12));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.Metrics!.NspAccuracy is >= 0 and <= 1));
    }

    private sealed class DoubleComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
