using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Training;

/// <summary>The estimate's timed steps run on a model of their own: the job trained afterwards is the job never timed.</summary>
public sealed class StepTimerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bertsl-step-timer-" + Guid.NewGuid());
    private readonly string _vocab;
    private readonly string _shards;

    public StepTimerTests()
    {
        Directory.CreateDirectory(_directory);
        _vocab = Path.Combine(_directory, "vocab.txt");
        File.WriteAllLines(_vocab, Enumerable.Range(0, SyntheticShards.VocabSize).Select(i => i switch { 0 => "[PAD]", 1 => "[CLS]", 2 => "[SEP]", 3 => "[MASK]", _ => $"w{i}" }));
        _shards = SyntheticShards.WriteDirectory(Path.Combine(_directory, "shards"), shards: 2, perShard: 20, seed: 5);
        var metadata = new Dictionary<string, string> { [ShardFormat.Meta.VocabSize] = SyntheticShards.VocabSize.ToString() };
        ShardWriter.Build(SyntheticShards.Examples(24, seed: 9, minLength: 40, maxLength: 60), padId: 0, metadata)
            .Write(Path.Combine(_shards, ShardFormat.FileName(0, 0, TrainingPhase.Second)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TimeSteps_then_Run_trains_the_same_weights_as_Run_alone()
    {
        var recipe = new TrainingRecipe { Preset = "tiny", BatchSize = 8, LearningRate = 1e-3, MaxSteps = 4, Phase2Fraction = 0.5, SaveEvery = 0 };
        var hardware = new TrainingHardware { Device = "cpu", LogEvery = 1 };
        var timed = new TrainingJob(_shards, Path.Combine(_directory, "timed"), recipe, hardware) { Vocabulary = _vocab };

        var estimate = timed.TimeSteps();
        timed.Run();
        (timed with { OutputDirectory = Path.Combine(_directory, "untimed") }).Run();

        Assert.Equal((4, 2), (estimate.TotalSteps, estimate.Phase2Steps));
        Assert.True(estimate.SecondsPerStep > 0 && estimate.Phase2SecondsPerStep > 0);
        Assert.Equal(2 * estimate.SecondsPerStep + 2 * estimate.Phase2SecondsPerStep!.Value, estimate.ExpectedSeconds, 9);
        Assert.Equal((StepTimer.WarmupSteps, StepTimer.TimedSteps), (estimate.WarmupSteps, estimate.TimedSteps));
        Assert.StartsWith("CPU (", estimate.Device);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, "untimed", "final", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(_directory, "timed", "final", "model.safetensors")));
    }

    [Fact]
    public void TimeSteps_of_a_resumed_run_is_refused()
    {
        var job = new TrainingJob(_shards, _directory, new TrainingRecipe(), new TrainingHardware()) { ResumeFrom = _directory };

        Assert.Throws<InvalidOperationException>(() => job.TimeSteps());
    }
}
