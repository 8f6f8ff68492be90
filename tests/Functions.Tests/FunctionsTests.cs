using Azure;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions.Tests;

/// <summary>
/// The real function classes, activated as the isolated worker activates them (ActivatorUtilities over the container
/// functions/Extensions builds), against Azurite. Triggers are called directly with what the host would bind.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);
    private ServiceProvider _functions = null!;

    public Task InitializeAsync()
    {
        _functions = azurite.BuildServices((services, configuration) => services.AddBertFunctions(configuration));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _functions.DisposeAsync();

    private T Function<T>(IServiceProvider? services = null) => ActivatorUtilities.CreateInstance<T>(services ?? _functions);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SplitBookThenBuildShards_uploadedBook_makesOneShardsReady(bool polling)
    {
        var name = polling ? "functions-polled.txt" : "functions-evented.txt";
        var (blob, jobId) = await azurite.UploadAsync(name, Meditations);
        var split = Function<SplitBook>();

        await (polling ? split.RunPolling(blob, name, CancellationToken.None) : split.Run(blob, name, CancellationToken.None));
        foreach (var message in await TakeChunkMessagesAsync(jobId))
            await Function<BuildShards>().Run(message, dequeueCount: 1, CancellationToken.None);

        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    public static TheoryData<string> Faults => ["storage", "cancelled", "corrupt marker"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task BuildShards_lastAttemptFails_failsJobWithReasonAndRethrows(string fault)
    {
        var (jobId, messages) = await SplitAsync($"give-up-{fault.Replace(' ', '-')}.txt", chunkChars: 20_000);
        var message = messages[0];
        using var cancelled = new CancellationTokenSource();
        var token = CancellationToken.None;
        switch (fault)
        {
            case "storage": await azurite.Storage.Shards.DeleteBlobAsync(BlobPaths.ChunkText(jobId, 0)); break;
            case "cancelled": await cancelled.CancelAsync(); token = cancelled.Token; break;
            case "corrupt marker":
                for (var i = 1; i < messages.Count; i++)
                    await azurite.Storage.Shards.GetBlobClient(BlobPaths.ChunkMarker(jobId, i)).UploadAsync(BinaryData.FromString("{ not json"), overwrite: true);
                break;
        }
        var function = Function<BuildShards>();

        await Assert.ThrowsAnyAsync<Exception>(() => function.Run(message, dequeueCount: 1, token));
        Assert.Equal(JobState.Preparing, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        await Assert.ThrowsAnyAsync<Exception>(() => function.Run(message, StorageNames.PrepChunksMaxDequeueCount, token));

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains($"failed {StorageNames.PrepChunksMaxDequeueCount} times", status.Error);
        Assert.Equal([0], status.PoisonedChunks);
        Assert.Empty(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task BuildShards_otherChunksAfterOneIsPoisoned_areBuiltAndTheReplayCompletesTheJob()
    {
        var (jobId, messages) = await SplitAsync("poisoned-then-others.txt", chunkChars: 60_000);
        var text = azurite.Storage.Shards.GetBlobClient(BlobPaths.ChunkText(jobId, 0));
        var saved = (await text.DownloadContentAsync()).Value.Content;
        await text.DeleteAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => Function<BuildShards>().Run(messages[0], StorageNames.PrepChunksMaxDequeueCount, CancellationToken.None));
        Assert.Equal(JobState.Failed, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);

        foreach (var message in messages.Skip(1))
            await Function<BuildShards>().Run(message, dequeueCount: 1, CancellationToken.None);
        await text.UploadAsync(saved);
        await Function<BuildShards>().Run(messages[0], dequeueCount: 1, CancellationToken.None);

        Assert.True(messages.Count > 1);
        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task SplitBook_failingEveryAttempt_failsJobAtTheHostsLastAttempt()
    {
        var outage = new StorageFault(StorageFault.Request("PUT", $"/{StorageNames.ShardsContainer}/"), times: -1, afterServer: false);
        await using var services = azurite.BuildServices((s, c) => s.AddBertFunctions(c).AddSingleton(StorageFault.Storage(azurite.ConnectionString, outage)));
        var (blob, jobId) = await azurite.UploadAsync("split-outage.txt", Meditations);
        var split = Function<SplitBook>(services);

        for (var attempt = 1; attempt < StorageNames.PrepChunksMaxDequeueCount; attempt++)
            await Assert.ThrowsAsync<RequestFailedException>(() => split.RunPolling(blob, blob.Name, CancellationToken.None));
        Assert.Equal(JobState.Preparing, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        await Assert.ThrowsAsync<RequestFailedException>(() => split.Run(blob, blob.Name, CancellationToken.None));

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains($"Splitting 'split-outage.txt' failed {StorageNames.PrepChunksMaxDequeueCount} times", status.Error);
        Assert.Contains("Injected fault", status.Error);
        await split.Run(blob, blob.Name, CancellationToken.None);
        Assert.Equal(0, await azurite.PrepChunksWaitingAsync());
    }

    [Fact]
    public async Task ReconcilePrep_chunkPoisonedByTheHostAfterACrash_failsJobAndReplayCompletesIt()
    {
        var (jobId, messages) = await SplitAsync("host-poisoned.txt");
        // The host moved the message after a last attempt that crashed: our give-up never ran.
        await azurite.Storage.PrepChunksPoison.SendMessageAsync(messages[0]);

        await Function<ReconcilePrep>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        var failed = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains("crashed or timed out", failed.Error);
        Assert.Contains(StorageNames.PoisonQueue(StorageNames.PrepChunksQueue), failed.Error);

        await ReplayFromPoisonAsync(jobId);
        foreach (var message in await TakeChunkMessagesAsync(jobId))
            await Function<BuildShards>().Run(message, dequeueCount: 1, CancellationToken.None);

        var replayed = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.ReadyForTraining, replayed.State);
        Assert.Null(replayed.Error);
        Assert.Null(replayed.PoisonedChunks);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task ReconcilePrep_jobFailedForItsInput_isLeftAsItIs()
    {
        var (jobId, messages) = await SplitAsync("input-failed.txt");
        await azurite.Jobs.FailAsync(jobId, "The book has no paragraph of two sentences.", CancellationToken.None);
        await azurite.Storage.PrepChunksPoison.SendMessageAsync(messages[0]);

        await Function<ReconcilePrep>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
        await Function<BuildShards>().Run(messages[0], dequeueCount: 1, CancellationToken.None);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal("The book has no paragraph of two sentences.", status.Error);
        Assert.Null(status.PoisonedChunks);
        Assert.Empty(await azurite.TrainingMessagesAsync(jobId));
        await DropPoisonOfAsync(jobId);
    }

    /// <summary>Uploads and splits a book through SplitBook; returns its chunk messages, taken off the queue.</summary>
    private async Task<(string JobId, List<string> Messages)> SplitAsync(string name, int? chunkChars = null)
    {
        var metadata = chunkChars is { } chars ? new Dictionary<string, string> { ["chunk_chars"] = chars.ToString() } : null;
        var (blob, jobId) = await azurite.UploadAsync(name, Meditations, metadata);
        await Function<SplitBook>().Run(blob, name, CancellationToken.None);
        return (jobId, await TakeChunkMessagesAsync(jobId));
    }

    /// <summary>The job's chunk messages; the queue is emptied, as the tests of this collection run one at a time.</summary>
    private async Task<List<string>> TakeChunkMessagesAsync(string jobId)
    {
        var peeked = (await azurite.Storage.PrepChunks.PeekMessagesAsync(32)).Value;
        await azurite.Storage.PrepChunks.ClearMessagesAsync();
        return [.. peeked.Select(m => m.Body.ToString()).Where(m => MessageJson.Parse<BookChunked>(m).JobId == jobId)];
    }

    /// <summary>As docs/local-run.md says: move the job's messages from prep-chunks-poison back to prep-chunks.</summary>
    private async Task ReplayFromPoisonAsync(string jobId)
    {
        foreach (var message in (await azurite.Storage.PrepChunksPoison.ReceiveMessagesAsync(32)).Value)
        {
            if (!message.Body.ToString().Contains(jobId, StringComparison.Ordinal)) continue;
            await azurite.Storage.PrepChunks.SendMessageAsync(message.Body.ToString());
            await azurite.Storage.PrepChunksPoison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
    }

    private async Task DropPoisonOfAsync(string jobId)
    {
        foreach (var message in (await azurite.Storage.PrepChunksPoison.ReceiveMessagesAsync(32)).Value)
            if (message.Body.ToString().Contains(jobId, StringComparison.Ordinal))
                await azurite.Storage.PrepChunksPoison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
    }
}
