using BertServerless.Shared.Storage;
using BertServerless.Shared.Training;
using BertServerless.Worker.Hosting;
using BertServerless.Worker.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace BertServerless.Worker.Tests.Hosting;

/// <summary>
/// The fence between trainers on a real Azurite: the owner lease on <c>jobs/{jobId}/training-owner</c>, latest.json
/// moving only forward, <c>final/</c> written once. The process-level case (a worker whose lease lapses while it lives)
/// is <c>Faults/WorkerProcessFaultTests</c>.
/// </summary>
[Collection(WorkerAzuriteCollection.Name)]
public sealed class TrainingFencingTests(WorkerAzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _jobId = "fence-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => azurite.ClearTrainingQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TrainingOwner_heldForAnotherMessage_isRefused()
    {
        await using var first = await AcquireAsync("message-a");
        Assert.NotNull(first);

        Assert.Null(await AcquireAsync("message-b"));
        await first.EnsureHeldAsync(CancellationToken.None);
        Assert.False(first.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task TrainingOwner_sameMessageRedelivered_takesOverAtOnceAndTheFirstLosesIt()
    {
        var first = await AcquireAsync("message-a");
        Assert.NotNull(first);

        // No wait for the 30-second lease: a SIGKILLed trainer's redelivery must not be held up by it.
        await using var second = await AcquireAsync("message-a");
        Assert.NotNull(second);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.EnsureHeldAsync(CancellationToken.None));
        Assert.True(first.Lost.IsCancellationRequested);
        await first.DisposeAsync(); // does not release what is not its own
        await second.EnsureHeldAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TrainingOwner_released_canBeTakenForAnotherMessage()
    {
        await using (var first = await AcquireAsync("message-a")) Assert.NotNull(first);

        await using var second = await AcquireAsync("message-b");
        Assert.NotNull(second);
    }

    [Fact]
    public async Task UploadStep_afterOwnershipLost_writesNothing()
    {
        var store = new CheckpointStore(azurite.Storage, TimeProvider.System);
        var first = (await AcquireAsync("message-a"))!;
        await using var second = await AcquireAsync("message-a");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UploadStepAsync(_jobId, Checkpoint(3), first, CancellationToken.None));

        Assert.Empty(await azurite.CheckpointBlobsAsync(_jobId));
        await first.DisposeAsync();
    }

    [Fact]
    public async Task UploadStep_olderThanLatest_isRefusedAndLatestStaysForward()
    {
        var store = new CheckpointStore(azurite.Storage, TimeProvider.System);
        await using var owner = (await AcquireAsync("message-a"))!;
        await store.UploadStepAsync(_jobId, Checkpoint(6), owner, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.UploadStepAsync(_jobId, Checkpoint(3), owner, CancellationToken.None));

        Assert.Contains("not moving it back", error.Message);
        var latest = (await store.ReadLatestAsync(_jobId, CancellationToken.None))!;
        Assert.Equal(6, latest.Step);
        Assert.Equal(TrainingOwner.Writer, latest.Writer);
    }

    [Fact]
    public async Task UploadFinal_whenLatestNamesTheFinalModel_rewritesNothing()
    {
        var store = new CheckpointStore(azurite.Storage, TimeProvider.System);
        await using var owner = (await AcquireAsync("message-a"))!;
        var output = OutputFolder("first");
        await store.UploadFinalAsync(_jobId, 6, output, owner, CancellationToken.None);
        var model = azurite.Storage.Checkpoints.GetBlobClient(BlobPaths.FinalCheckpoint(_jobId) + "model.safetensors");
        var written = (await model.GetPropertiesAsync()).Value.ETag;

        await store.UploadFinalAsync(_jobId, 6, OutputFolder("second"), owner, CancellationToken.None);

        Assert.Equal(written, (await model.GetPropertiesAsync()).Value.ETag);
        Assert.Equal("first", (await model.DownloadContentAsync()).Value.Content.ToString());
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UploadStepAsync(_jobId, Checkpoint(6), owner, CancellationToken.None));
    }

    private Task<TrainingOwner?> AcquireAsync(string messageId)
        => TrainingOwner.TryAcquireAsync(azurite.Storage.Jobs, _jobId, messageId, TimeProvider.System, NullLogger.Instance, CancellationToken.None);

    private CheckpointWritten Checkpoint(int step)
    {
        var directory = Path.Combine(azurite.CacheDirectory, _jobId, $"step-{step}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "model.safetensors"), $"weights of step {step}");
        return new CheckpointWritten(step, 6, directory);
    }

    /// <summary>An output folder as the trainer leaves it: final/ with a model whose bytes say which run wrote it, and eval.json.</summary>
    private string OutputFolder(string run)
    {
        var directory = Path.Combine(azurite.CacheDirectory, _jobId, run);
        Directory.CreateDirectory(Path.Combine(directory, CheckpointLayout.FinalFolder));
        File.WriteAllText(Path.Combine(directory, CheckpointLayout.FinalFolder, "model.safetensors"), run);
        File.WriteAllText(Path.Combine(directory, CheckpointLayout.EvalFile), "{}");
        return directory;
    }
}
