using System.Text;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using BertServerless.Tests;
using BertServerless.Worker.Hosting;
using BertServerless.Worker.Tests.Hosting;

namespace BertServerless.Worker.Tests.Faults;

/// <summary>
/// Faults done to a real worker process on a real Azurite: SIGKILL, SIGTERM, SIGSTOP. Slow (a process start per fault), so
/// they carry the trait <c>Category=Fault</c>; <c>dotnet test --filter Category!=Fault</c> leaves them out.
/// </summary>
[Collection(WorkerAzuriteCollection.Name)]
[Trait("Category", "Fault")]
public sealed class WorkerProcessFaultTests(WorkerAzuriteFixture azurite) : IAsyncLifetime
{
    private const int TotalSteps = 60;
    private const int SaveEvery = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    // A slice of the book is enough: max_len 64 gives a few hundred sequences, several steps between checkpoints.
    private static readonly byte[] Book = Encoding.UTF8.GetBytes(File.ReadAllText(TestData.Meditations)[..40_000]);

    public Task InitializeAsync() => azurite.ClearTrainingQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task WorkerProcess_killedAfterCheckpointsAndAtRandom_resumesEachTimeAndEndsBitIdentical()
    {
        var (jobId, message) = await PrepareAsync("fault-kill-storm.txt");
        var uninterrupted = await TrainUninterruptedAsync(jobId);
        await RewindAsync(jobId, message);

        var cache = NewCacheDirectory();
        var random = new Random(7);
        var resumedFrom = new List<int?>();
        var afterCheckpoint = 0;
        var atRandom = 0;
        while (afterCheckpoint < 5 || atRandom < 3)
        {
            var attempts = await AttemptsAsync(jobId);
            var before = await LatestStepAsync(jobId);
            // Kills spend attempts (nothing runs to record them); this test is about resuming, not giving up.
            await using var worker = StartWorker(cache, ["--TrainingWorker:MaxDequeueCount=100"]);
            // Killed only once its attempt is recorded, so that each kill is one attempt in the history.
            await WaitAsync(worker, async () => await AttemptsAsync(jobId) > attempts, "the next training attempt to start");
            var checkpointKill = (afterCheckpoint + atRandom) % 3 != 2;
            if (checkpointKill)
                await WaitAsync(worker, async () => (await LatestStepAsync(jobId) ?? 0) > (before ?? 0), "a new step checkpoint");
            else
                await Task.Delay(random.Next(0, 1500));
            await worker.KillAsync();
            Assert.False(await azurite.IsFinishedAsync(jobId), "the job finished before the storm ended: make it longer");
            if (checkpointKill) afterCheckpoint++;
            else atRandom++;
            resumedFrom.Add(await LatestStepAsync(jobId));
        }

        await using (var last = StartWorker(cache, ["--TrainingWorker:MaxDequeueCount=100"]))
            await WaitAsync(last, () => azurite.IsFinishedAsync(jobId), "the job to finish");

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Equal(TotalSteps, status.Progress!.Step);
        var starts = status.History.Where(e => e.Message.StartsWith("Training attempt", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        Assert.Equal(resumedFrom.Count + 1, starts.Count); // one per kill, and the last one
        for (var i = 0; i < resumedFrom.Count; i++)
        {
            var start = starts[i + 1];
            if (resumedFrom[i] is { } step) Assert.EndsWith($"resuming from {BlobPaths.StepCheckpoint(jobId, step)} (step {step})", start);
            else Assert.EndsWith(".", start);
        }
        Assert.True(resumedFrom.Distinct().Count() >= 5, $"resumed from steps {string.Join(", ", resumedFrom)}");
        var resumed = await DownloadAsync(BlobPaths.FinalCheckpoint(jobId) + "model.safetensors");
        Assert.True(uninterrupted.AsSpan().SequenceEqual(resumed),
            $"the final weights differ from the uninterrupted run's (resumed from steps {string.Join(", ", resumedFrom)})");
    }

    [Fact]
    public async Task WorkerProcess_terminatedTenTimesMidTraining_uploadsEachStopCheckpointSpendsNoAttemptAndFinishes()
    {
        var (jobId, message) = await PrepareAsync("fault-stop-storm.txt");
        var uninterrupted = await TrainUninterruptedAsync(jobId);
        await RewindAsync(jobId, message);

        var cache = NewCacheDirectory();
        for (var stop = 1; stop <= 10; stop++)
        {
            var step = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Progress?.Step ?? 0;
            await using var worker = StartWorker(cache, ["--TrainingWorker:LogEvery=1"]);
            await WaitAsync(worker, async () => (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Progress?.Step > step, "training to make progress");
            var trained = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Progress!.Step;

            worker.Terminate();
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"stop {stop}: the worker did not exit within its grace period:\n{worker.Output}");
            Assert.False(await azurite.IsFinishedAsync(jobId), $"the job finished before stop {stop}: make it longer");
            Assert.True(await LatestStepAsync(jobId) >= trained, $"stop {stop}: latest.json is behind step {trained}: the stop checkpoint was not uploaded\n{worker.Output}");
            Assert.Single((await azurite.Storage.TrainingJobs.PeekMessagesAsync(32)).Value); // visible again at once, not after the lease
        }

        await using (var last = StartWorker(cache))
            await WaitAsync(last, () => azurite.IsFinishedAsync(jobId), "the job to finish");

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error); // with MaxDequeueCount 2: the stops spent no attempt
        Assert.Null(status.Error);
        Assert.Equal(10, status.TrainingStops);
        Assert.Equal(TotalSteps, status.Progress!.Step);
        var resumed = await DownloadAsync(BlobPaths.FinalCheckpoint(jobId) + "model.safetensors");
        Assert.True(uninterrupted.AsSpan().SequenceEqual(resumed), "the final weights differ from the uninterrupted run's");
    }

    [Fact]
    public async Task WorkerProcess_leaseLapsesWhileItLives_secondWorkerTakesOverAndTheFirstWritesNothingMore()
    {
        var (jobId, _) = await PrepareAsync("fault-lease-lost.txt");
        // No progress writes (LogEvery beyond the run): between two checkpoints the first worker sends no request, so
        // the pause below lands between writes, not inside one that would complete on resume.
        await using var first = StartWorker(NewCacheDirectory(), ["--TrainingWorker:LogEvery=1000", "--TrainingWorker:ExitWhenIdle=true"]);
        await WaitAsync(first, async () => await LatestStepAsync(jobId) >= SaveEvery, "the first worker's first step checkpoint", poll: TimeSpan.FromMilliseconds(5));
        first.Pause();
        var pausedAt = (await LatestStepAsync(jobId))!.Value;

        // The message lease (3 s) lapses while the first worker is frozen; the second receives the message again.
        await using var second = StartWorker(NewCacheDirectory());
        var secondWriter = $"{Environment.MachineName}:{second.Id}";
        await WaitAsync(second, async () => await LatestAsync(jobId) is { Writer: var w, Step: var s } && w == secondWriter && s > pausedAt, "the second worker's first step checkpoint");
        first.Resume();
        Assert.True(await first.WaitForExitAsync(Patience), $"the first worker did not stop:\n{first.Output}");
        await WaitAsync(second, async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0, "the job to finish");

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Null(status.Error);
        Assert.Equal(TotalSteps, status.Progress!.Step);
        Assert.DoesNotContain(status.History, e => e.Message.Contains("failed", StringComparison.OrdinalIgnoreCase));
        Assert.EndsWith($"resuming from {BlobPaths.StepCheckpoint(jobId, pausedAt)} (step {pausedAt})", status.History.Last(e => e.Message.StartsWith("Training attempt", StringComparison.Ordinal)).Message);
        Assert.Contains($"Job {jobId}: taking training over from {Environment.MachineName}:{first.Id}", second.Output);
        Assert.Contains($"Job {jobId}: stopped training, message", first.Output);
        Assert.Equal(secondWriter, (await LatestAsync(jobId))!.Writer);
        // Fenced: up to the pause every checkpoint file is the first worker's, after it every one the second's.
        var firstWriter = $"{Environment.MachineName}:{first.Id}";
        var writers = new List<string>();
        await foreach (var blob in azurite.Storage.Checkpoints.GetBlobsAsync(new GetBlobsOptions { Prefix = jobId + "/", Traits = BlobTraits.Metadata }))
        {
            var name = blob.Name[(jobId.Length + 1)..];
            var expected = name.StartsWith("step-", StringComparison.Ordinal) && int.Parse(name[5..name.IndexOf('/')]) <= pausedAt ? firstWriter : secondWriter;
            Assert.True(blob.Metadata.TryGetValue(CheckpointStore.WriterKey, out var writer) && writer == expected, $"{name} was written by {writer}, not {expected}");
            writers.Add(writer!);
        }
        Assert.Contains(firstWriter, writers);
    }

    [Fact]
    public async Task WorkerProcess_storageDownThirtySecondsMidTraining_ridesItOutWithEveryStepAndEndsBitIdentical()
    {
        var (jobId, message) = await PrepareAsync("fault-outage-training.txt");
        var uninterrupted = await TrainUninterruptedAsync(jobId);
        await RewindAsync(jobId, message);
        await azurite.Storage.Jobs.DeleteBlobAsync(BlobPaths.Metrics(jobId));

        // The SDK's retries (from configuration) outlast the outage, and so does the lease, as production's 5 minutes do.
        await using var worker = StartWorker(NewCacheDirectory(),
        [
            "--TrainingWorker:LeaseDuration=00:01:00", "--TrainingWorker:LogEvery=1",
            "--AzureDefaults:Retry:Mode=Fixed", "--AzureDefaults:Retry:Delay=00:00:01", "--AzureDefaults:Retry:MaxRetries=60",
        ]);
        await WaitAsync(worker, async () => await LatestStepAsync(jobId) >= SaveEvery, "the first step checkpoint");
        await azurite.StopStorageAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30));
            Assert.False(worker.HasExited, $"the worker exited during the outage:\n{worker.Output}");
        }
        finally
        {
            await azurite.StartStorageAgainAsync();
        }
        await WaitAsync(worker, async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0, "the job to finish");

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Null(status.Error);
        Assert.Equal(TotalSteps, status.Progress!.Step);
        // Ridden out, not retried: one attempt, every step's metrics, the same weights.
        Assert.Single(status.History, e => e.Message.StartsWith("Training attempt", StringComparison.Ordinal));
        var logged = (await new JobMetricsLog(azurite.Storage.Jobs).ReadAsync(jobId, CancellationToken.None)).Select(p => p.Step).Distinct().Order();
        Assert.Equal(Enumerable.Range(1, TotalSteps).Select(s => (long)s), logged);
        var trained = await DownloadAsync(BlobPaths.FinalCheckpoint(jobId) + "model.safetensors");
        Assert.True(uninterrupted.AsSpan().SequenceEqual(trained), "the final weights differ from the uninterrupted run's");
    }

    /// <summary>Splits and shards the book with the in-process Functions runner and returns the job and its ShardsReady message.</summary>
    private async Task<(string JobId, string Message)> PrepareAsync(string name)
    {
        var jobId = await azurite.UploadAsync(name, Book);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(worker: false, settings: Settings()),
            async () => await azurite.StateAsync(jobId) == JobState.ReadyForTraining && await azurite.TrainingMessagesAsync() == 1);
        var message = Assert.Single((await azurite.Storage.TrainingJobs.PeekMessagesAsync(32)).Value).Body.ToString();
        return (jobId, message);
    }

    private async Task<byte[]> TrainUninterruptedAsync(string jobId)
    {
        await using (var worker = StartWorker(NewCacheDirectory()))
            await WaitAsync(worker, async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0, "the uninterrupted run to finish");
        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Equal(TotalSteps, status.Progress!.Step);
        return await DownloadAsync(BlobPaths.FinalCheckpoint(jobId) + "model.safetensors");
    }

    /// <summary>Back to the moment prep finished: no checkpoints, status ReadyForTraining with the same recipe, the message queued again.</summary>
    private async Task RewindAsync(string jobId, string message)
    {
        await foreach (var blob in azurite.Storage.Checkpoints.GetBlobsAsync(new GetBlobsOptions { Prefix = jobId + "/" }))
            await azurite.Storage.Checkpoints.DeleteBlobAsync(blob.Name);
        await azurite.RewindStatusAsync(jobId, JobState.ReadyForTraining);
        await azurite.Storage.TrainingJobs.SendMessageAsync(message);
    }

    private WorkerProcess StartWorker(string cache, IEnumerable<string>? extra = null)
        => WorkerProcess.Start([.. azurite.CommandLine(new Dictionary<string, string?>(Settings()) { ["TrainingWorker:CacheDirectory"] = cache }), .. extra ?? []]);

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Prep:MaxLen"] = "64",
        ["Training:Epochs"] = "10",
        ["Training:MaxSteps"] = TotalSteps.ToString(),
        ["Training:SaveEvery"] = SaveEvery.ToString(),
        // libtorch's own thread count, as the container runs: exact resume must not depend on one thread.
        ["TrainingWorker:Threads"] = "0",
        ["TrainingWorker:LogEvery"] = "10",
    };

    private string NewCacheDirectory() => Path.Combine(azurite.CacheDirectory, "fault-" + Guid.NewGuid().ToString("N")[..8]);

    private async Task<int> AttemptsAsync(string jobId)
        => (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.History.Count(e => e.Message.StartsWith("Training attempt", StringComparison.Ordinal));

    private async Task<int?> LatestStepAsync(string jobId) => (await LatestAsync(jobId))?.Step;

    private async Task<LatestCheckpoint?> LatestAsync(string jobId)
    {
        var blob = azurite.Storage.Checkpoints.GetBlobClient(BlobPaths.LatestCheckpoint(jobId));
        if (!(await blob.ExistsAsync()).Value) return null;
        return LatestCheckpoint.Parse((await blob.DownloadContentAsync()).Value.Content.ToString(), "latest.json");
    }

    private async Task<byte[]> DownloadAsync(string name)
        => (await azurite.Storage.Checkpoints.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();

    /// <summary>Polls <paramref name="done"/>; fails with the worker's output if it exits first or the patience runs out.</summary>
    private static async Task WaitAsync(WorkerProcess worker, Func<Task<bool>> done, string what, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await done())
        {
            if (worker.HasExited) Assert.Fail($"The worker exited ({worker.ExitCode}) while waiting for {what}:\n{worker.Output}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"Waited {Patience} for {what}:\n{worker.Output}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
