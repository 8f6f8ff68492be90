using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using BertServerless.Tests;
using BertServerless.Worker.Hosting;

namespace BertServerless.Worker.Tests.Hosting;

/// <summary>A user's cancel and resume (<see cref="CancelRequests"/>) against the real worker, training for real on Azurite.</summary>
[Collection(WorkerAzuriteCollection.Name)]
public sealed class CancelResumeTests(WorkerAzuriteFixture azurite) : IAsyncLifetime
{
    private const int Steps = 30;
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);

    /// <summary>Long enough to cancel in the middle: a report every step, no scheduled checkpoints, so the only one is the stop's.</summary>
    private static readonly Dictionary<string, string?> LongerRun = new()
    {
        ["Training:MaxSteps"] = Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Training:SaveEvery"] = "1000",
        ["TrainingWorker:LogEvery"] = "1",
    };

    private CancelRequests Cancels => new(azurite.Jobs, azurite.Storage);

    public Task InitializeAsync() => azurite.ClearTrainingQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Cancel_midTraining_stopsWithCheckpointAtStepReached_thenResumeTrainsAllSteps()
    {
        var jobId = await azurite.UploadAsync("worker-cancel.txt", Meditations);
        var host = azurite.BuildHost(settings: LongerRun);
        await WorkerAzuriteFixture.RunUntilAsync(host, async () =>
        {
            var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
            if (status is { State: JobState.Training, Progress.Step: >= 2, CancelRequested: null })
                Assert.Equal(CancelOutcome.Requested, await Cancels.RequestAsync(jobId, CancellationToken.None));
            return status?.State is JobState.Cancelled && await azurite.TrainingMessagesAsync() == 0;
        });

        var cancelled = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        var latest = LatestCheckpoint.Parse(await DownloadTextAsync(BlobPaths.LatestCheckpoint(jobId)), "latest.json");
        Assert.False(latest.Final);
        Assert.InRange(latest.Step, 2, Steps - 1);
        Assert.Equal(BlobPaths.StepCheckpoint(jobId, latest.Step), latest.Prefix);
        var blobs = await azurite.CheckpointBlobsAsync(jobId);
        Assert.Contains($"step-{latest.Step:D6}/model.safetensors", blobs);
        Assert.Contains($"step-{latest.Step:D6}/optimizer.safetensors", blobs);
        Assert.DoesNotContain(blobs, b => b.StartsWith("final/", StringComparison.Ordinal));
        Assert.Equal($"Cancelled at step {latest.Step}; checkpoint checkpoints/{latest.Prefix} is kept, and bertsl resume {jobId} continues from it.", cancelled.History[^1].Message);
        Assert.False(Directory.Exists(Path.Combine(azurite.CacheDirectory, jobId)), "a cancelled job's local files are removed");

        Assert.Equal(ResumeOutcome.Resumed, await Cancels.ResumeAsync(jobId, CancellationToken.None));
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false, settings: LongerRun),
            async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0);

        var resumed = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(resumed.State == JobState.Succeeded, resumed.Error);
        Assert.Equal(Steps, resumed.Progress!.Step);
        Assert.Null(resumed.CancelRequested);
        Assert.Contains(resumed.History, e => e.Message.EndsWith($"resuming from {latest.Prefix} (step {latest.Step})", StringComparison.Ordinal));
        var history = await new JobMetricsLog(azurite.Storage.Jobs).ReadAsync(jobId, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), history.Select(p => p.Step));
    }

    [Fact]
    public async Task Cancel_beforeTraining_workerAcknowledgesWithoutTraining_thenResumeTrains()
    {
        var jobId = await azurite.UploadAsync("worker-cancel-early.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(worker: false), async () => await azurite.StateAsync(jobId) == JobState.ReadyForTraining);
        Assert.Equal(CancelOutcome.Requested, await Cancels.RequestAsync(jobId, CancellationToken.None));

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => await azurite.StateAsync(jobId) == JobState.Cancelled && await azurite.TrainingMessagesAsync() == 0);

        var cancelled = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal($"Cancelled before training; bertsl resume {jobId} starts it.", cancelled.History[^1].Message);
        Assert.DoesNotContain(cancelled.History, e => e.Message.StartsWith("Training attempt", StringComparison.Ordinal));
        Assert.Empty(await azurite.CheckpointBlobsAsync(jobId));

        Assert.Equal(ResumeOutcome.Resumed, await Cancels.ResumeAsync(jobId, CancellationToken.None));
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0);

        var resumed = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(resumed.State == JobState.Succeeded, resumed.Error);
        Assert.Equal(6, resumed.Progress!.Step);
        Assert.Empty(await azurite.PoisonedAsync());
    }

    private async Task<string> DownloadTextAsync(string name)
        => (await azurite.Storage.Checkpoints.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();
}
