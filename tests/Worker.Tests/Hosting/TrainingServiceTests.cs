using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues.Models;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Tests;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace BertServerless.Worker.Tests.Hosting;

/// <summary>The whole pipeline on a real Azurite: upload → local Functions runner → training worker → checkpoints.</summary>
[Collection(WorkerAzuriteCollection.Name)]
public sealed class TrainingServiceTests(WorkerAzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);

    public Task InitializeAsync() => azurite.ClearTrainingQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TrainingService_uploadedBook_succeedsWithHfCheckpointLatestAndEval()
    {
        var jobId = await azurite.UploadAsync("worker-meditations.txt", Meditations);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(), async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Equal(BlobPaths.FinalCheckpoint(jobId), status.Result!.CheckpointPrefix);
        Assert.True(status.Result.EvalBefore!.MlmLoss > 0);
        Assert.True(status.Result.EvalAfter!.MlmLoss > 0);
        Assert.Equal(6, status.Progress!.Step);
        Assert.NotNull(status.Progress.Loss);
        Assert.NotNull(status.Progress.MlmAccuracy);
        Assert.Null(status.Error);
        // Timed before step 1 on the worker's CPU; no price table profile is configured, so no cost.
        Assert.Equal((6, 0), (status.Estimate!.TotalSteps, status.Estimate.Phase2Steps));
        Assert.True(status.Estimate.SecondsPerStep > 0);
        Assert.StartsWith("CPU", status.Estimate.Device);
        Assert.Null(status.Estimate.ExpectedCost);
        Assert.Single(status.History, e => e.Message.StartsWith("Estimate: 6 steps × ", StringComparison.Ordinal));
        // LogEvery 2 over 6 steps: the metrics log holds the whole curve, not only the latest report.
        var history = await new JobMetricsLog(azurite.Storage.Jobs).ReadAsync(jobId, CancellationToken.None);
        Assert.Equal([2L, 4L, 6L], history.Select(p => p.Step));
        Assert.All(history, p => Assert.True(p.MlmLoss > 0 && p.NspLoss > 0 && p.LearningRate > 0, $"step {p.Step}: {p}"));

        var blobs = await azurite.CheckpointBlobsAsync(jobId);
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "loss.png", "README.md" })
            Assert.Contains("final/" + file, blobs);
        Assert.Contains("step-000003/loss.png", blobs);
        Assert.DoesNotContain("final/optimizer.safetensors", blobs);
        Assert.Contains("step-000003/optimizer.safetensors", blobs);
        Assert.Contains("step-000003/trainer_state.json", blobs);
        Assert.Contains("eval.json", blobs);

        var latest = LatestCheckpoint.Parse(await DownloadTextAsync(BlobPaths.LatestCheckpoint(jobId)), "latest.json");
        Assert.True(latest.Final);
        Assert.Equal(BlobPaths.FinalCheckpoint(jobId), latest.Prefix);
        var eval = JsonNode.Parse(await DownloadTextAsync(BlobPaths.Eval(jobId)))!;
        Assert.NotNull(eval["before"]?["perplexity"]);

        var local = Path.Combine(azurite.CacheDirectory, "loaded-" + jobId);
        await BlobMirror.DownloadFolderAsync(azurite.Storage.Checkpoints, BlobPaths.FinalCheckpoint(jobId), local, _ => true, CancellationToken.None);
        using var model = HfCheckpoint.Load(local);
        var card = File.ReadAllText(Path.Combine(local, "README.md"));
        Assert.StartsWith("---\nlibrary_name: transformers\n", card);
        Assert.Contains("- \"worker-meditations.txt\"", card); // the book, as the card's dataset
        Assert.Contains("| after |", card);
        Assert.Equal(128, model.Config.HiddenSize);
        Assert.False(Directory.Exists(Path.Combine(azurite.CacheDirectory, jobId)), "the job's local files are removed once it succeeded");
    }

    [Fact]
    public async Task TrainingService_uploadMetadataKnobs_reachTheTrainerState()
    {
        // Knobs an Azure job could not set before the recipe was one class, in new and old spellings.
        var metadata = new Dictionary<string, string>
        {
            ["gradient_accumulation"] = "2", ["warmupratio"] = "0.5", ["weight_decay"] = "0.05", ["max_grad_norm"] = "0.5", ["length_bucketing"] = "true",
        };
        var jobId = await azurite.UploadAsync("worker-knobs.txt", Meditations, metadata);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(), () => azurite.IsFinishedAsync(jobId));

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        var state = JsonNode.Parse(await DownloadTextAsync(BlobPaths.FinalCheckpoint(jobId) + "trainer_state.json"))!["recipe"]!;
        Assert.Equal(2, state["gradient_accumulation"]!.GetValue<int>());
        Assert.Equal(0.5, state["warmup_ratio"]!.GetValue<double>());
        Assert.Equal(0.05, state["weight_decay"]!.GetValue<double>());
        Assert.Equal(0.5, state["max_grad_norm"]!.GetValue<double>());
        Assert.True(state["length_bucketing"]!.GetValue<bool>());
        Assert.Equal(6, state["max_steps"]!.GetValue<int>()); // the worker's configured default, under the same name
        Assert.Equal(2, status.Training!.GradientAccumulation);
        Assert.Contains(status.History, e => e.Message.Contains("× 2 accumulated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrainingService_twoPhaseUpload_mirrorsBothShardSetsAndEndsInPhase2()
    {
        var metadata = new Dictionary<string, string> { ["pairing"] = "segment", ["phase2_max_len"] = "256", ["phase2_fraction"] = "0.5" };
        var jobId = await azurite.UploadAsync("worker-two-phase.txt", Meditations, metadata);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(), () => azurite.IsFinishedAsync(jobId));

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        var manifest = ShardManifest.Parse(await DownloadShardsTextAsync(BlobPaths.Manifest(jobId)), "manifest.json");
        var phase2 = Assert.IsAssignableFrom<IReadOnlyList<ShardEntry>>(manifest.Phase2Shards);
        Assert.All(phase2, s => Assert.StartsWith(ShardFormat.Phase2Prefix, s.File));
        Assert.Contains(phase2, s => s.SequenceLength > 128);
        Assert.Contains(status.History, e => e.State == JobState.ReadyForTraining && e.Message.Contains($"(and {phase2.Count} phase-2 shard(s) of ", StringComparison.Ordinal));
        var state = JsonNode.Parse(await DownloadTextAsync(BlobPaths.FinalCheckpoint(jobId) + "trainer_state.json"))!;
        Assert.Equal("second", state["phase"]!.GetValue<string>());
        Assert.Equal((6, 3), (status.Estimate!.TotalSteps, status.Estimate.Phase2Steps));
        Assert.True(status.Estimate.Phase2SecondsPerStep > 0);
    }

    [Fact]
    public async Task TrainingService_sameMessageDeliveredTwice_trainsOnce()
    {
        var jobId = await azurite.UploadAsync("worker-twice.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(worker: false), async () => await azurite.StateAsync(jobId) == JobState.ReadyForTraining);
        var message = Assert.Single((await azurite.Storage.TrainingJobs.PeekMessagesAsync(32)).Value).Body.ToString();
        await azurite.Storage.TrainingJobs.SendMessageAsync(message);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Single(status.History, e => e.Message.StartsWith("Training attempt", StringComparison.Ordinal));
        Assert.Contains(azurite.Logs.Lines, l => l.Contains($"Job {jobId} is already Succeeded; deleting the repeated message", StringComparison.Ordinal));
        Assert.Empty(await azurite.PoisonedAsync());
    }

    [Fact]
    public async Task TrainingService_copyOfMessageWhileAnotherTrainerOwnsTheJob_dropsTheCopyWritingNothing()
    {
        var jobId = await azurite.UploadAsync("worker-owned.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(worker: false), async () => await azurite.StateAsync(jobId) == JobState.ReadyForTraining);
        var before = (await azurite.Storage.Jobs.GetBlobClient(BlobPaths.Status(jobId)).GetPropertiesAsync()).Value.ETag;

        // A live trainer of another ShardsReady for the same job (prep sent two).
        await using (var other = await TrainingOwner.TryAcquireAsync(azurite.Storage.Jobs, jobId, "another-message", TimeProvider.System, NullLogger.Instance, CancellationToken.None))
        {
            Assert.NotNull(other);
            await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false), async () => await azurite.TrainingMessagesAsync() == 0, seconds: 30);
        }

        Assert.Contains(azurite.Logs.Lines, l => l.Contains($"Job {jobId}: another trainer owns it; deleting the copy", StringComparison.Ordinal));
        Assert.Empty(await azurite.CheckpointBlobsAsync(jobId));
        Assert.Equal(before, (await azurite.Storage.Jobs.GetBlobClient(BlobPaths.Status(jobId)).GetPropertiesAsync()).Value.ETag);
        Assert.Empty(await azurite.PoisonedAsync());
    }

    [Fact]
    public async Task TrainingService_malformedMessage_movesItToPoisonSayingWhy()
    {
        const string malformed = "{\"jobId\":\"x\",\"shards\":\"many\"}";
        await azurite.Storage.TrainingJobs.SendMessageAsync(malformed);

        // Poisoning is a copy then a delete: wait for both.
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => (await azurite.PoisonedAsync()).Contains(malformed) && await azurite.TrainingMessagesAsync() == 0, seconds: 30);

        Assert.Contains(azurite.Logs.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal) && l.Contains("is not a valid ShardsReady", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrainingService_missingBaseModel_failsJobOnFirstAttemptAndPoisonsMessage()
    {
        var metadata = new Dictionary<string, string> { ["basemodel"] = "no-such-job/final" };
        var jobId = await azurite.UploadAsync("worker-no-base.txt", Meditations, metadata);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(),
            async () => await azurite.IsFinishedAsync(jobId) && (await azurite.PoisonedAsync()).Count > 0 && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        // Bad input: another attempt cannot find the model either, so there is none.
        Assert.StartsWith("Training cannot run: Base model 'no-such-job/final' was not found", status.Error);
        Assert.DoesNotContain(status.History, e => e.Message.Contains("retrying", StringComparison.Ordinal));
        Assert.Equal(jobId, WorkerAzuriteFixture.Parse(Assert.Single(await azurite.PoisonedAsync())).JobId);
        Assert.False(Directory.Exists(Path.Combine(azurite.CacheDirectory, jobId)), "a failed job's local files are removed too");
    }

    [Fact]
    public async Task TrainingService_estimatedCostOverMaxCost_failsJobBeforeTrainingAndPoisonsMessage()
    {
        var jobId = await azurite.UploadAsync("worker-max-cost.txt", Meditations, new Dictionary<string, string> { ["max_cost"] = "0.01" });
        var pricing = new Dictionary<string, string?>
        {
            ["Pricing:Profile"] = "test-cpu", ["Pricing:Currency"] = "EUR", ["Pricing:PricesDate"] = "2026-12-03", ["Pricing:HourlyPrice:test-cpu"] = "100000",
        };

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(settings: pricing),
            async () => await azurite.IsFinishedAsync(jobId) && (await azurite.PoisonedAsync()).Count > 0 && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.StartsWith("Training cannot run: The estimated cost ", status.Error);
        Assert.Contains(" EUR exceeds max_cost=0.01 EUR (6 steps × ", status.Error);
        Assert.Contains("at 100000.00 EUR/h (test-cpu, prices of 2026-12-03)); no step was trained.", status.Error);
        Assert.Equal(status.Estimate!.HourlyPrice * status.Estimate.ExpectedSeconds / 3600, status.Estimate.ExpectedCost);
        Assert.Null(status.Progress);
        Assert.DoesNotContain(status.History, e => e.Message.Contains("retrying", StringComparison.Ordinal));
        Assert.Equal(jobId, WorkerAzuriteFixture.Parse(Assert.Single(await azurite.PoisonedAsync())).JobId);
        Assert.Empty(await azurite.CheckpointBlobsAsync(jobId));
    }

    [Fact]
    public async Task TrainingService_corruptShard_failsJobOnFirstAttemptSayingWhich()
    {
        var jobId = await azurite.UploadAsync("worker-corrupt-shard.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(worker: false), async () => await azurite.StateAsync(jobId) == JobState.ReadyForTraining);
        await foreach (var blob in azurite.Storage.Shards.GetBlobsAsync(new GetBlobsOptions { Prefix = jobId + "/shard-" }))
            await azurite.Storage.Shards.GetBlobClient(blob.Name).UploadAsync(BinaryData.FromString("not a safetensors file"), overwrite: true);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => await azurite.IsFinishedAsync(jobId) && (await azurite.PoisonedAsync()).Count > 0 && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.StartsWith("Training cannot run: ", status.Error);
        Assert.Contains("shard-", status.Error);
        Assert.DoesNotContain(status.History, e => e.Message.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrainingService_unreadableStatus_poisonsMessageOnLastDeliverySayingWhy()
    {
        var jobId = JobIds.For("worker-unreadable.txt", new Azure.ETag("0x1"));
        await azurite.Storage.Jobs.GetBlobClient(BlobPaths.Status(jobId)).UploadAsync(BinaryData.FromString("{ not json"), overwrite: true);
        var message = MessageJson.Serialize(new ShardsReady(jobId, BlobPaths.Manifest(jobId), 0, 0));
        await azurite.Storage.TrainingJobs.SendMessageAsync(message);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => (await azurite.PoisonedAsync()).Contains(message) && await azurite.TrainingMessagesAsync() == 0, seconds: 60);

        Assert.Contains(azurite.Logs.Lines, l => l.Contains($"Job {jobId}: its status cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrainingService_redeliveredAfterStepCheckpoint_resumesAndEndsWithSameModel()
    {
        var jobId = await azurite.UploadAsync("worker-resume.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(), () => azurite.IsFinishedAsync(jobId));
        var uninterrupted = await DownloadBytesAsync(BlobPaths.FinalCheckpoint(jobId) + "model.safetensors");
        var message = MessageJson.Serialize(new ShardsReady(jobId, BlobPaths.Manifest(jobId), 0, 0));
        // As if the first run had stopped after uploading step 3: no final model, latest.json at step 3, job still waiting.
        await RewindToStepAsync(jobId, 3);
        await azurite.Storage.TrainingJobs.SendMessageAsync(message);

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false), () => azurite.IsFinishedAsync(jobId));

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Contains(status.History, e => e.Message.EndsWith($"resuming from {BlobPaths.StepCheckpoint(jobId, 3)} (step 3)", StringComparison.Ordinal));
        Assert.Equal(6, status.Progress!.Step);
        Assert.Equal(uninterrupted, await DownloadBytesAsync(BlobPaths.FinalCheckpoint(jobId) + "model.safetensors"));
    }

    [Fact]
    public async Task TrainingService_finalUploadedButUnrecordedOnLastDequeue_succeedsNotFails()
    {
        var jobId = await azurite.UploadAsync("worker-last-dequeue.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(), () => azurite.IsFinishedAsync(jobId));
        // As if the last allowed attempt uploaded final/, eval.json and latest.json, then died before writing the status.
        await azurite.RewindStatusAsync(jobId, JobState.Training);
        await azurite.Storage.TrainingJobs.SendMessageAsync(MessageJson.Serialize(new ShardsReady(jobId, BlobPaths.Manifest(jobId), 0, 0)));
        await SpendDeliveriesAsync(2); // the fixture's MaxDequeueCount

        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => await azurite.IsFinishedAsync(jobId) && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.True(status.State == JobState.Succeeded, status.Error);
        Assert.Null(status.Error);
        Assert.Equal(BlobPaths.FinalCheckpoint(jobId), status.Result!.CheckpointPrefix);
        Assert.Empty(await azurite.PoisonedAsync());
    }

    [Fact]
    public async Task TrainingService_replayFromPoisonOfFailedJobWithFinalUploaded_completesIt()
    {
        var jobId = await azurite.UploadAsync("worker-replay-final.txt", Meditations);
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(), () => azurite.IsFinishedAsync(jobId));
        // As an older worker left it: gave up on the last attempt after the final upload, message in the poison queue.
        await azurite.RewindStatusAsync(jobId, JobState.Training);
        await azurite.Jobs.FailAsync(jobId, "Training failed 2 time(s); last error: status write timed out", CancellationToken.None);

        await azurite.Storage.TrainingJobs.SendMessageAsync(MessageJson.Serialize(new ShardsReady(jobId, BlobPaths.Manifest(jobId), 0, 0)));
        await WorkerAzuriteFixture.RunUntilAsync(azurite.BuildHost(functions: false),
            async () => await azurite.StateAsync(jobId) == JobState.Succeeded && await azurite.TrainingMessagesAsync() == 0);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Null(status.Error);
        Assert.Contains(status.History, e => e.State == JobState.Failed);
        Assert.Contains(status.History, e => e.Message.StartsWith("The final model is uploaded after all", StringComparison.Ordinal));
        Assert.Equal(BlobPaths.FinalCheckpoint(jobId), status.Result!.CheckpointPrefix);
    }

    [Fact]
    public async Task MessageLease_heldPastVisibilityTimeout_keepsMessageHiddenThenDeletes()
    {
        var queue = azurite.Storage.TrainingJobs;
        await queue.SendMessageAsync("lease");
        QueueMessage message = (await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(1))).Value;

        await using (var lease = MessageLease.Start(queue, message, TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger.Instance))
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5));

            Assert.Null((await queue.ReceiveMessageAsync()).Value);
            Assert.False(lease.Lost.IsCancellationRequested);
            Assert.NotEqual(message.PopReceipt, lease.PopReceipt);
            await lease.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(0, await azurite.TrainingMessagesAsync());
    }

    [Fact]
    public async Task MessageLease_messageTakenByAnotherReceiver_completeAndAbandonLeaveItToThem()
    {
        var queue = azurite.Storage.TrainingJobs;
        await queue.SendMessageAsync("taken");
        QueueMessage message = (await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(1))).Value;
        // Renewed only every 20 s: the 1-second visibility lapses first, as it does for a worker that froze.
        await using var lease = MessageLease.Start(queue, message, TimeSpan.FromMinutes(1), TimeProvider.System, NullLogger.Instance);
        QueueMessage? taken = null;
        await WorkerAzuriteFixture.WaitAsync(async () => (taken = (await queue.ReceiveMessageAsync(TimeSpan.FromMinutes(1))).Value) is not null, seconds: 30);

        await lease.CompleteAsync(CancellationToken.None);
        await lease.AbandonAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(1, await azurite.TrainingMessagesAsync());
        await queue.DeleteMessageAsync(taken!.MessageId, taken.PopReceipt);
    }

    private async Task RewindToStepAsync(string jobId, int step)
    {
        await foreach (var blob in azurite.Storage.Checkpoints.GetBlobsAsync(new GetBlobsOptions { Prefix = BlobPaths.FinalCheckpoint(jobId) }))
            await azurite.Storage.Checkpoints.DeleteBlobAsync(blob.Name);
        await azurite.Storage.Checkpoints.DeleteBlobAsync(BlobPaths.Eval(jobId));
        var latest = new LatestCheckpoint(BlobPaths.StepCheckpoint(jobId, step), step, 6, Final: false, DateTimeOffset.UtcNow);
        await azurite.Storage.Checkpoints.GetBlobClient(BlobPaths.LatestCheckpoint(jobId)).UploadAsync(BinaryData.FromString(latest.ToJson()), overwrite: true);
        await azurite.RewindStatusAsync(jobId, JobState.ReadyForTraining);
    }

    /// <summary>Receives the queued message <paramref name="count"/> times without settling it, as receivers that died would.</summary>
    private async Task SpendDeliveriesAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await WorkerAzuriteFixture.WaitAsync(async () => (await azurite.Storage.TrainingJobs.ReceiveMessageAsync(TimeSpan.FromSeconds(1))).Value is not null, seconds: 30);
        }
    }

    private async Task<byte[]> DownloadBytesAsync(string name)
        => (await azurite.Storage.Checkpoints.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();

    private async Task<string> DownloadTextAsync(string name)
        => (await azurite.Storage.Checkpoints.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();

    private async Task<string> DownloadShardsTextAsync(string name)
        => (await azurite.Storage.Shards.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();
}
