using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;
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

    private static TrainingRecipe Recipe(int? maxSteps) => new()
    {
        BatchSize = 8,
        LearningRate = 1e-3,
        MaxSteps = maxSteps,
        GradientAccumulation = 2,
        SaveEvery = 0,
    };

    private static readonly TrainingHardware Cpu = new() { Device = "cpu", LogEvery = 1 };

    private static TrainingOutcome Train(BertForPreTraining model, ShardDataset data, TrainingRecipe recipe, string output, string vocab,
        string? resumeFrom = null, ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        using var trainer = new Trainer(model, recipe, Cpu);
        return trainer.Train(data, output, vocab, resumeFrom, observer, cancellationToken);
    }

    private static float[] Weights(BertForPreTraining model)
        => [.. model.UniqueNamedParameters().SelectMany(p => p.Param.detach().cpu().data<float>().ToArray())];

    [Fact]
    public void Train_resumed_from_checkpoint_matches_uninterrupted_run()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]); // 5 batches: steps cross an epoch
        var uninterrupted = TinyModel(seed: 1);
        var recipe = Recipe(maxSteps: 6);
        recipe.SaveEvery = 3;
        Train(uninterrupted, data, recipe, Path.Combine(_directory, "full"), _vocab);

        var checkpoint = Path.Combine(_directory, "full", CheckpointLayout.StepFolder(3));
        var resumed = HfCheckpoint.Load(checkpoint);
        var outcome = Train(resumed, data, TrainerState.Load(checkpoint).Recipe, Path.Combine(_directory, "resumed"), _vocab, resumeFrom: checkpoint);

        Assert.Equal(6, outcome.State.GlobalStep);
        Assert.Equal(new DataPosition(2, 0), outcome.State.Position); // 5 batches an epoch in steps of 2, 2 and 1
        Assert.Equal(Weights(uninterrupted), Weights(resumed));
        Assert.NotEqual(Weights(TinyModel(seed: 1)), Weights(resumed));
    }

    [Fact]
    public void Train_two_phase_resumed_before_at_and_after_the_switch_matches_uninterrupted_run()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3, maxLength: 20))]);
        var phase2 = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(24, seed: 4, minLength: 40, maxLength: 60))]);
        var recipe = Recipe(maxSteps: 6);
        recipe.Phase2Fraction = 0.5; // steps 0-2 on data, 3-5 on phase2
        recipe.SaveEvery = 1;
        var uninterrupted = TinyModel(seed: 1);
        using (var trainer = new Trainer(uninterrupted, recipe, Cpu))
        {
            var outcome = trainer.Train(data, Path.Combine(_directory, "full"), _vocab, phase2Data: phase2);
            Assert.Equal((TrainingPhase.Second, new DataPosition(1, 2)), (outcome.State.Phase, outcome.State.Position)); // phase 2's 3 batches an epoch, in steps of 2, 1, 2
        }

        foreach (var (step, phase) in new[] { (2, TrainingPhase.First), (3, TrainingPhase.First), (4, TrainingPhase.Second) })
        {
            var checkpoint = Path.Combine(_directory, "full", CheckpointLayout.StepFolder(step));
            Assert.Equal(phase, TrainerState.Load(checkpoint).Phase);
            var resumed = HfCheckpoint.Load(checkpoint);
            using var trainer = new Trainer(resumed, TrainerState.Load(checkpoint).Recipe, Cpu);
            trainer.Train(data, Path.Combine(_directory, $"resumed-{step}"), _vocab, checkpoint, phase2Data: phase2);
            Assert.Equal(Weights(uninterrupted), Weights(resumed));
        }

        var stepFour = Path.Combine(_directory, "full", CheckpointLayout.StepFolder(4));
        using (var model = HfCheckpoint.Load(stepFour))
        using (var trainer = new Trainer(model, TrainerState.Load(stepFour).Recipe, Cpu))
        {
            var error = Assert.Throws<InvalidOperationException>(() =>
                trainer.Train(data, Path.Combine(_directory, "other-shards"), _vocab, stepFour, phase2Data: phase2.Slice(0, 16)));
            Assert.Contains("phase 2 trains on 24 sequences, these phase-2 shards hold 16", error.Message);
        }

        var onePhase = TinyModel(seed: 1);
        recipe.Phase2Fraction = 0;
        Train(onePhase, data, recipe, Path.Combine(_directory, "one-phase"), _vocab);
        Assert.NotEqual(Weights(uninterrupted), Weights(onePhase));
    }

    [Fact]
    public void Train_with_batches_prefetched_matches_collating_each_step_in_turn_across_epochs_and_the_phase_switch()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3, maxLength: 20))]);
        var phase2 = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(24, seed: 4, minLength: 40, maxLength: 60))]);
        var recipe = Recipe(maxSteps: 8);
        recipe.Phase2Fraction = 0.5; // steps 0-3 on data (5 batches an epoch in steps of 2, 2, 1: step 3 starts the next epoch), 4-7 on phase2
        float[] WeightsAfter(bool prefetch)
        {
            using var model = TinyModel(seed: 1);
            using var trainer = new Trainer(model, recipe, new TrainingHardware { Device = "cpu", LogEvery = 1, PrefetchBatches = prefetch });
            var outcome = trainer.Train(data, Path.Combine(_directory, $"prefetch-{prefetch}"), _vocab, phase2Data: phase2);
            Assert.Equal(TrainingPhase.Second, outcome.State.Phase);
            return Weights(model);
        }

        Assert.Equal(WeightsAfter(prefetch: false), WeightsAfter(prefetch: true));
    }

    [Fact]
    public void Train_two_phase_without_phase2_shards_says_what_is_missing()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(16, seed: 3))]);
        var recipe = Recipe(maxSteps: 4);
        recipe.Phase2Fraction = 0.25;

        var error = Assert.Throws<ArgumentException>(() => Train(TinyModel(seed: 1), data, recipe, Path.Combine(_directory, "out"), _vocab));

        Assert.Contains("phase2_fraction=0.25 trains its last 1 step(s) on phase-2 shards", error.Message);
    }

    [Fact]
    public void Train_on_learnable_shards_lowers_mlm_loss()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(256, seed: 4))]);
        var held = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(64, seed: 99))]);
        var model = TinyModel(seed: 2);
        var recipe = Recipe(maxSteps: null);
        recipe.Epochs = 2;
        recipe.GradientAccumulation = 1;
        recipe.BatchSize = 16;
        recipe.LearningRate = 2e-3;

        var before = Evaluator.Evaluate(model, held, batchSize: 32);
        var outcome = Train(model, data, recipe, Path.Combine(_directory, "learn"), _vocab);
        var after = Evaluator.Evaluate(model, held, batchSize: 32);

        Assert.Equal(32, outcome.State.GlobalStep);
        Assert.True(after.MlmLoss < before.MlmLoss - 0.5, $"held-out MLM loss {before.MlmLoss:F3} -> {after.MlmLoss:F3}");
        Assert.True(outcome.State.LossHistory[^1].MlmLoss < outcome.State.LossHistory[0].MlmLoss);
        var final = Path.Combine(_directory, "learn", CheckpointLayout.FinalFolder);
        Assert.Equal(final, outcome.Checkpoint);
        Assert.True(File.Exists(Path.Combine(final, CheckpointLayout.TrainerStateFile)));
        Assert.True(File.Exists(Path.Combine(final, CheckpointLayout.WeightsFile)));
        // Nothing resumes a finished run: final/ is the same locally as in storage, without the optimizer moments.
        Assert.False(File.Exists(Path.Combine(final, CheckpointLayout.OptimizerFile)));
    }

    [Fact]
    public void Train_cancelled_saves_checkpoint_after_the_running_step_and_stops()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        using var cancellation = new CancellationTokenSource();
        var checkpoints = new List<CheckpointWritten>();
        var observer = new InlineTrainingObserver(p =>
        {
            if (p.Step == 2) cancellation.Cancel();
        }, checkpoints.Add);

        var outcome = Train(TinyModel(seed: 1), data, Recipe(maxSteps: 10), Path.Combine(_directory, "cancel"), _vocab, observer: observer, cancellationToken: cancellation.Token);

        // Cancelled while reporting step 2, the loop next looks at the token when step 3 is done.
        Assert.True(outcome.Cancelled);
        Assert.Equal(3, TrainerState.Load(outcome.Checkpoint).GlobalStep);
        Assert.Equal(Path.Combine(_directory, "cancel", CheckpointLayout.StepFolder(3)), outcome.Checkpoint);
        Assert.Contains(checkpoints, c => c.Directory == outcome.Checkpoint && c.Step == 3);
    }

    [Fact]
    public void Train_reports_progress_with_real_tokens_and_decaying_lr()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var reports = new List<TrainingProgress>();
        var recipe = Recipe(maxSteps: 4);
        recipe.WarmupRatio = 0.25;

        Train(TinyModel(seed: 1), data, recipe, Path.Combine(_directory, "progress"), _vocab, observer: new InlineTrainingObserver(reports.Add));

        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Step));
        Assert.Equal([0, 1e-3, 1e-3 * 2 / 3, 1e-3 / 3], reports.Select(r => r.Metrics.LearningRate), new DoubleComparer(1e-12));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.Metrics.NspAccuracy is >= 0 and <= 1));
    }

    [Fact]
    public void Train_observer_gets_progress_and_checkpoint_written_as_separate_events()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var events = new List<string>();
        var recipe = Recipe(maxSteps: 4);
        recipe.SaveEvery = 2;
        var output = Path.Combine(_directory, "events");

        Train(TinyModel(seed: 1), data, recipe, output, _vocab, observer: new InlineTrainingObserver(
            p => events.Add($"progress {p.Step}"),
            c => events.Add($"checkpoint {c.Step}/{c.TotalSteps} {Path.GetFileName(c.Directory)} complete={Directory.Exists(c.Directory) && !Directory.Exists(c.Directory + CheckpointLayout.PartialSuffix)}")));

        // The step checkpoint follows its step's progress; the final save is no event (the outcome names it).
        Assert.Equal(["progress 1", "progress 2", "checkpoint 2/4 step-000002 complete=True", "progress 3", "progress 4"], events);
        Assert.True(File.Exists(Path.Combine(output, "step-000002", CheckpointLayout.OptimizerFile)));
    }

    [Fact]
    public void Train_final_save_replaces_an_older_final_folder_through_a_renamed_partial_folder()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var output = Path.Combine(_directory, "replace");
        var final = Path.Combine(output, CheckpointLayout.FinalFolder);
        // A stale final model and a half-written folder left by a crash.
        Directory.CreateDirectory(final);
        File.WriteAllText(Path.Combine(final, "stale.txt"), "from an earlier run");
        Directory.CreateDirectory(final + CheckpointLayout.PartialSuffix);
        File.WriteAllText(Path.Combine(final + CheckpointLayout.PartialSuffix, "half.txt"), "crashed");

        var outcome = Train(TinyModel(seed: 1), data, Recipe(maxSteps: 2), output, _vocab);

        Assert.Equal(final, outcome.Checkpoint);
        Assert.False(Directory.Exists(final + CheckpointLayout.PartialSuffix));
        Assert.Equal(
            [CheckpointLayout.ConfigFile, CheckpointLayout.LossPlotFile, CheckpointLayout.WeightsFile, CheckpointLayout.TokenizerConfigFile, CheckpointLayout.TrainerStateFile, CheckpointLayout.VocabFile],
            Directory.GetFiles(final).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(2, TrainerState.Load(final).GlobalStep);
    }

    [Fact]
    public void Train_in_bf16_on_cpu_steps_the_fp32_master_with_finite_losses()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var model = TinyModel(seed: 1);
        var recipe = Recipe(maxSteps: 3);
        recipe.Precision = TrainingPrecision.Bf16;

        var outcome = Train(model, data, recipe, Path.Combine(_directory, "bf16"), _vocab);

        Assert.Equal(3, outcome.State.LossHistory.Count);
        Assert.All(outcome.State.LossHistory, m => Assert.True(double.IsFinite(m.Loss) && double.IsFinite(m.GradNorm) && m.GradNorm > 0, $"step {m.Step}: loss {m.Loss}, grad norm {m.GradNorm}"));
        Assert.All(model.UniqueNamedParameters(), p => Assert.Equal(ScalarType.Float32, p.Param.dtype));
        Assert.NotEqual(Weights(TinyModel(seed: 1)), Weights(model));
        Assert.Null(outcome.State.LossScaler); // bf16 has fp32's range: no loss scaling
    }

    [Fact]
    public void Train_in_fp16_checkpoints_the_loss_scaler_and_resumes_exactly()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var uninterrupted = TinyModel(seed: 1);
        var recipe = Recipe(maxSteps: 4);
        recipe.Precision = TrainingPrecision.Fp16;
        recipe.SaveEvery = 2;
        var full = Train(uninterrupted, data, recipe, Path.Combine(_directory, "fp16"), _vocab);

        var checkpoint = Path.Combine(_directory, "fp16", CheckpointLayout.StepFolder(2));
        var saved = TrainerState.Load(checkpoint).LossScaler;
        Assert.NotNull(saved);
        Assert.Equal(2, saved.CleanSteps + saved.SkippedSteps); // each of the 2 steps either stepped or was skipped
        Assert.Equal(65536 / Math.Pow(2, saved.SkippedSteps), saved.Scale);
        var resumed = HfCheckpoint.Load(checkpoint);
        var outcome = Train(resumed, data, TrainerState.Load(checkpoint).Recipe, Path.Combine(_directory, "fp16-resumed"), _vocab, resumeFrom: checkpoint);

        Assert.Equal(full.State.LossScaler, outcome.State.LossScaler);
        Assert.Equal(Weights(uninterrupted), Weights(resumed));
        Assert.All(full.State.LossHistory, m => Assert.True(double.IsFinite(m.Loss), $"step {m.Step}: loss {m.Loss}"));
    }

    [Fact]
    public void Train_in_fp16_skips_steps_whose_gradients_overflow_and_halves_the_scale()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(40, seed: 3))]);
        var recipe = Recipe(maxSteps: 4);
        recipe.Precision = TrainingPrecision.Fp16;
        recipe.SaveEvery = 2;
        Train(TinyModel(seed: 1), data, recipe, Path.Combine(_directory, "overflow"), _vocab);
        // A scale no fp16 gradient survives: every resumed step must overflow, be skipped and halve it.
        var checkpoint = Path.Combine(_directory, "overflow", CheckpointLayout.StepFolder(2));
        var state = TrainerState.Load(checkpoint);
        var before = state.LossScaler!;
        state.LossScaler = before with { Scale = 1e30 };
        state.Save(checkpoint);
        var resumed = HfCheckpoint.Load(checkpoint);
        var weightsAtCheckpoint = Weights(resumed);

        var outcome = Train(resumed, data, state.Recipe, Path.Combine(_directory, "overflow-resumed"), _vocab, resumeFrom: checkpoint);

        Assert.Equal(4, outcome.State.GlobalStep); // skipped steps still count: the data and the LR schedule move on
        Assert.Equal(new LossScalerState(1e30 / 4, 0, before.SkippedSteps + 2), outcome.State.LossScaler);
        Assert.Equal(weightsAtCheckpoint, Weights(resumed));
    }

    [Fact]
    public void CheckpointLayout_WriteFolder_failing_midway_leaves_no_folder_under_the_final_name()
    {
        var target = Path.Combine(_directory, "crash", CheckpointLayout.StepFolder(7));

        Assert.Throws<IOException>(() => CheckpointLayout.WriteFolder(target, partial =>
        {
            File.WriteAllText(Path.Combine(partial, CheckpointLayout.ConfigFile), "{}");
            throw new IOException("disk full");
        }));

        Assert.False(Directory.Exists(target));
        Assert.True(File.Exists(Path.Combine(target + CheckpointLayout.PartialSuffix, CheckpointLayout.ConfigFile)));
    }

    private sealed class DoubleComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
