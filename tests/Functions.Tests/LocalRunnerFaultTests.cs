using BertServerless.Cli.Local;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions.Tests;

/// <summary>The local runner under storage faults, and the poison replay docs/local-run.md promises, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalRunnerFaultTests(AzuriteFixture azurite)
{
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);

    [Fact]
    public async Task RunAsync_storageOutage_logsRetriesAndFinishesTheJobAfterwards()
    {
        var outage = new StorageFault(_ => true, times: -1, afterServer: false);
        await using var services = azurite.BuildServices(
            (s, c) => s.AddLocalFunctionsRunner(c).AddSingleton(StorageFault.Storage(azurite.ConnectionString, outage)),
            new Dictionary<string, string?> { ["LocalRunner:MaxBackoff"] = "00:00:00.500" });
        var runner = services.GetRequiredService<LocalFunctionsRunner>();
        var (_, jobId) = await azurite.UploadAsync("runner-outage.txt", Meditations);
        using var stop = new CancellationTokenSource();

        var run = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            await AzuriteFixture.WaitAsync(() => Task.FromResult(outage.Injected >= 5 || run.IsCompleted));
            Assert.False(run.IsCompleted, "the runner stopped during the outage");
            outage.Remaining = 0;
            await AzuriteFixture.WaitAsync(async () => run.IsCompleted || await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0);
            Assert.False(run.IsCompleted, "the runner stopped after the outage");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }

        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task RunAsync_storageOutageWhileChunksAreBuilt_finishesWithOneShardsReady()
    {
        var outage = new StorageFault(_ => true, times: 0, afterServer: false);
        await using var services = azurite.BuildServices(
            (s, c) => s.AddLocalFunctionsRunner(c).AddSingleton(StorageFault.Storage(azurite.ConnectionString, outage)),
            new Dictionary<string, string?>
            {
                ["LocalRunner:MaxBackoff"] = "00:00:00.500",
                ["LocalRunner:MaxDequeueCount"] = "50",
                ["LocalRunner:LeaseDuration"] = "00:00:02",
                [$"{PrepFinisherOptions.SectionName}:SendClaimTimeout"] = "00:00:01",
            });
        var runner = services.GetRequiredService<LocalFunctionsRunner>();
        var (_, jobId) = await azurite.UploadAsync("outage-mid-prep.txt", File.ReadAllBytes(TestData.Sherlock), new Dictionary<string, string> { ["chunk_chars"] = "100000" });
        // Storage cut for 30 failed requests.
        await RunWithFaultMidPrepAsync(runner, jobId, async _ =>
        {
            outage.Remaining = 30;
            await AzuriteFixture.WaitAsync(() => Task.FromResult(outage.Remaining == 0));
        });

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.ReadyForTraining, status.Error);
        Assert.True(status.Chunks > 1);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    [Trait("Category", "Fault")]
    public async Task RunAsync_azuriteStoppedThirtySecondsWhileChunksAreBuilt_finishesWithOneShardsReadyAndEveryShard()
    {
        await using var services = azurite.BuildServices((s, c) => s.AddLocalFunctionsRunner(c), new Dictionary<string, string?>
        {
            ["LocalRunner:MaxBackoff"] = "00:00:01",
            ["LocalRunner:MaxDequeueCount"] = "50",
            ["LocalRunner:LeaseDuration"] = "00:00:02",
            [$"{PrepFinisherOptions.SectionName}:SendClaimTimeout"] = "00:00:01",
            // Short SDK retries: the runner's own retries and backoff are what ride out the 30 seconds here.
            [$"{StorageNames.ClientDefaults}:Retry:Mode"] = "Fixed",
            [$"{StorageNames.ClientDefaults}:Retry:Delay"] = "00:00:00.200",
            [$"{StorageNames.ClientDefaults}:Retry:MaxRetries"] = "2",
        });
        var runner = services.GetRequiredService<LocalFunctionsRunner>();
        var (_, jobId) = await azurite.UploadAsync("azurite-stopped-mid-prep.txt", File.ReadAllBytes(TestData.Sherlock), new Dictionary<string, string> { ["chunk_chars"] = "100000" });
        await RunWithFaultMidPrepAsync(runner, jobId, async run =>
        {
            await azurite.StopStorageAsync();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30));
                Assert.False(run.IsCompleted, "the runner stopped during the outage");
            }
            finally
            {
                await azurite.StartStorageAgainAsync();
            }
        });

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.ReadyForTraining, status.Error);
        Assert.True(status.Chunks > 1);
        var ready = Assert.Single(await azurite.TrainingMessagesAsync(jobId));
        // Nothing lost: every shard the manifest lists is stored, with the size it records.
        var manifest = ShardManifest.Parse((await azurite.Storage.Shards.GetBlobClient(ready.Manifest).DownloadContentAsync()).Value.Content.ToString(), ready.Manifest);
        Assert.NotEmpty(manifest.Shards);
        foreach (var shard in manifest.Shards)
            Assert.Equal(shard.Bytes, (await azurite.Storage.Shards.GetBlobClient(BlobPaths.Shard(jobId, shard.File)).GetPropertiesAsync()).Value.ContentLength);
    }

    [Fact]
    public async Task RunAsync_chunkReplayedFromPoisonAfterTheCauseIsFixed_completesTheFailedJob()
    {
        var (blob, jobId) = await azurite.UploadAsync("replayed-chunk.txt", Meditations);
        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);
        var text = azurite.Storage.Shards.GetBlobClient(BlobPaths.ChunkText(jobId, 0));
        var saved = (await text.DownloadContentAsync()).Value.Content;
        await text.DeleteAsync();
        await azurite.RunUntilAsync(async () => (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State == JobState.Failed);
        Assert.Contains("Replay it", (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Error);

        // The cause is fixed, and the message moved back from prep-chunks-poison, as docs/local-run.md says.
        await text.UploadAsync(saved);
        var poisoned = (await azurite.Storage.PrepChunksPoison.ReceiveMessagesAsync(32)).Value.Single(m => m.Body.ToString().Contains(jobId, StringComparison.Ordinal));
        await azurite.Storage.PrepChunks.SendMessageAsync(poisoned.Body.ToString());
        await azurite.Storage.PrepChunksPoison.DeleteMessageAsync(poisoned.MessageId, poisoned.PopReceipt);
        await azurite.RunUntilAsync(async () =>
            (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State == JobState.ReadyForTraining && await azurite.PrepChunksWaitingAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.ReadyForTraining, status.State);
        Assert.Null(status.Error);
        Assert.Contains(status.History, e => e.Message.Contains("replayed from the poison queue", StringComparison.Ordinal));
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    /// <summary>
    /// Runs the local runner and, once the job's first chunk is built while the others are in flight, does
    /// <paramref name="fault"/> (given the runner's task); then waits for prep to finish with the runner still running.
    /// </summary>
    private async Task RunWithFaultMidPrepAsync(LocalFunctionsRunner runner, string jobId, Func<Task, Task> fault)
    {
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            await AzuriteFixture.WaitAsync(async () => await azurite.Storage.Shards.GetBlobClient(BlobPaths.ChunkMarker(jobId, 0)).ExistsAsync(), seconds: 120);
            await fault(run);
            await AzuriteFixture.WaitAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0, seconds: 180);
            Assert.False(run.IsCompleted, "the runner stopped");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }
}
