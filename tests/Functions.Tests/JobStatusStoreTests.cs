using BertServerless.Shared.Training;
using BertServerless.Shared.Jobs;

namespace BertServerless.Functions.Tests;

/// <summary>The status store's concurrency guarantees, on a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class JobStatusStoreTests(AzuriteFixture azurite)
{
    private static JobStatus NewJob(string jobId) => JobStatus.New(jobId, new BookSource("books", "b.txt", "\"0x1\"", 1), DateTimeOffset.UtcNow);

    [Fact]
    public async Task TryCreateAsync_jobExists_returnsFalseAndKeepsFirst()
    {
        const string jobId = "store-create-000000000001";
        var first = NewJob(jobId);
        first.Note("first", DateTimeOffset.UtcNow);

        Assert.True(await azurite.Jobs.TryCreateAsync(first, CancellationToken.None));
        Assert.False(await azurite.Jobs.TryCreateAsync(NewJob(jobId), CancellationToken.None));

        Assert.Contains((await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.History, e => e.Message == "first");
    }

    [Fact]
    public async Task UpdateAsync_concurrentWriters_loseNoChange()
    {
        const string jobId = "store-update-000000000002";
        await azurite.Jobs.TryCreateAsync(NewJob(jobId), CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            azurite.Jobs.UpdateAsync(jobId, s => s.Note($"writer {i}", DateTimeOffset.UtcNow), CancellationToken.None))));

        var history = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.History;
        Assert.Equal(8, history.Count(e => e.Message.StartsWith("writer ")));
    }

    [Fact]
    public async Task UpdateAsync_progressAndResult_roundTrip()
    {
        const string jobId = "store-result-000000000003";
        await azurite.Jobs.TryCreateAsync(NewJob(jobId), CancellationToken.None);

        await azurite.Jobs.UpdateAsync(jobId, s =>
        {
            s.Progress = new JobProgress { Step = 10, TotalSteps = 100, Loss = 7.5, EtaSeconds = 90 };
            s.Result = new JobResult { CheckpointPrefix = $"{jobId}/final/", EvalAfter = new EvaluationResult(2.5, 0.69, 3.19, 12.2, 0.42, 0.5, 10) };
        }, CancellationToken.None);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(100, status.Progress!.TotalSteps);
        Assert.Equal(0.42, status.Result!.EvalAfter!.MlmAccuracy);
        Assert.Equal(10, status.Result.EvalAfter.Sequences);
    }
}
