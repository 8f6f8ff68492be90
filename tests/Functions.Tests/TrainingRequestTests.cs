using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions.Tests;

/// <summary>
/// Exactly one <see cref="ShardsReady"/> per job under the faults that used to make it zero or two: a crash between
/// claiming the gate and sending, a send whose reply was lost, a send lost before the server, a gate write failing
/// after the send, the SDK's retried create reading its own 409. Faults are injected into real clients on Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingRequestTests(AzuriteFixture azurite)
{
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);
    private static readonly Dictionary<string, string?> ShortClaim = new() { [$"{PrepFinisherOptions.SectionName}:SendClaimTimeout"] = "00:00:01" };
    private static readonly Func<Azure.Core.HttpMessage, bool> Send = StorageFault.Request("POST", $"/{StorageNames.TrainingJobsQueue}/messages");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BuildAsync_sendFailsOnce_retrySendsExactlyOneAndStatusWaitsForIt(bool replyLost)
    {
        var fault = new StorageFault(Send, times: 1, afterServer: replyLost);
        await using var services = Services(fault);
        var (jobId, message) = await PrepareOneChunkAsync($"send-fault-{replyLost}.txt");
        var builder = services.GetRequiredService<ChunkShardBuilder>();

        await Assert.ThrowsAnyAsync<Exception>(() => builder.BuildAsync(message, CancellationToken.None));
        Assert.Equal(1, fault.Injected);
        Assert.Equal(JobState.Preparing, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        await builder.BuildAsync(message, CancellationToken.None);
        await builder.BuildAsync(message, CancellationToken.None);

        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task BuildAsync_markingSentFailsAfterTheSend_retrySendsNoSecond()
    {
        var fault = new StorageFault(m => StorageFault.Request("PUT", BlobPaths.TrainingGate(""))(m) && m.Request.Headers.Contains("If-Match"), times: 1, afterServer: false);
        await using var services = Services(fault);
        var (jobId, message) = await PrepareOneChunkAsync("mark-sent-fault.txt");
        var builder = services.GetRequiredService<ChunkShardBuilder>();

        await Assert.ThrowsAnyAsync<Exception>(() => builder.BuildAsync(message, CancellationToken.None));
        Assert.Equal(1, fault.Injected);
        await builder.BuildAsync(message, CancellationToken.None);

        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task BuildAsync_claimLeftByACrashBeforeTheSend_redeliverySendsOne()
    {
        await using var services = Services();
        var (jobId, message) = await PrepareOneChunkAsync("crash-after-claim.txt");
        // What a finisher that died right after claiming (or whose create the SDK retried into its own 409) leaves.
        var claim = new TrainingRequest(Sent: false, Claimed: DateTimeOffset.UtcNow);
        await azurite.Storage.Jobs.GetBlobClient(BlobPaths.TrainingGate(jobId)).UploadAsync(BinaryData.FromString(claim.ToJson()));

        await services.GetRequiredService<ChunkShardBuilder>().BuildAsync(message, CancellationToken.None);

        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
        var gate = (await azurite.Storage.Jobs.GetBlobClient(BlobPaths.TrainingGate(jobId)).DownloadContentAsync()).Value.Content.ToString();
        Assert.True(TrainingRequest.Parse(gate, "gate").Sent);
    }

    [Fact]
    public async Task BuildAsync_gateCreateRetriedBySdkReadsItsOwn409_stillSendsOne()
    {
        // The create succeeds on the server, its reply is lost, and the SDK's own retry gets 409 for our own blob.
        var lostCreate = new StorageFault(m => StorageFault.Request("PUT", BlobPaths.TrainingGate(""))(m) && m.Request.Headers.Contains("If-None-Match"),
            times: 1, afterServer: true, insideRetries: true);
        await using var services = Services(lostCreate);
        var (jobId, message) = await PrepareOneChunkAsync("sdk-retry-409.txt");

        await services.GetRequiredService<ChunkShardBuilder>().BuildAsync(message, CancellationToken.None);

        Assert.Equal(1, lostCreate.Injected);
        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task BuildAsync_finishersRacingWhileSendsFail_sendExactlyOne()
    {
        var fault = new StorageFault(Send, times: 2, afterServer: true);
        await using var services = Services(fault);
        var (jobId, message) = await PrepareOneChunkAsync("racing-faults.txt");
        var builder = services.GetRequiredService<ChunkShardBuilder>();

        var attempts = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                try
                {
                    await builder.BuildAsync(message, CancellationToken.None);
                    return;
                }
                catch (Azure.RequestFailedException) { }
            }
        }));
        await Task.WhenAll(attempts);

        Assert.True(fault.Injected >= 1);
        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    private ServiceProvider Services(params StorageFault[] faults) => azurite.BuildServices(
        (services, configuration) => services.AddBertFunctions(configuration).AddSingleton(StorageFault.Storage(azurite.ConnectionString, faults)),
        ShortClaim);

    /// <summary>A one-chunk job split and waiting; returns its chunk message, taken off the queue.</summary>
    private async Task<(string JobId, string Message)> PrepareOneChunkAsync(string name)
    {
        var (blob, jobId) = await azurite.UploadAsync(name, Meditations);
        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);
        await azurite.Storage.PrepChunks.ClearMessagesAsync();
        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(1, status.Chunks);
        return (jobId, MessageJson.Serialize(new BookChunked(jobId, 0, 1)));
    }
}
