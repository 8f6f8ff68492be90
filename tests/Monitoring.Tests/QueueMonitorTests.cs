using BertServerless.Shared.Storage;

namespace BertServerless.Monitoring.Tests;

[Collection(MonitoringAzuriteCollection.Name)]
public class QueueMonitorTests(MonitoringAzuriteFixture azurite)
{
    [Fact]
    public async Task SummarizeAsync_every_queue_with_depth_and_oldest_age_poison_flagged()
    {
        var poison = azurite.Storage.TrainingJobsPoison;
        await poison.ClearMessagesAsync();
        await poison.SendMessageAsync("{\"job_id\":\"x-0123456789ab\"}");
        await poison.SendMessageAsync("{\"job_id\":\"y-0123456789ab\"}");
        await Task.Delay(1100);

        var summaries = await azurite.Queues.SummarizeAsync(CancellationToken.None);

        Assert.Equal(PipelineStorage.Queues, summaries.Select(q => q.Name));
        var poisoned = Assert.Single(summaries, q => q.Name == StorageNames.PoisonQueue(StorageNames.TrainingJobsQueue));
        Assert.True(poisoned.IsPoison && poisoned.Exists && poisoned.NeedsAttention);
        Assert.Equal(2, poisoned.ApproximateDepth);
        Assert.InRange(poisoned.OldestMessageAgeSeconds!.Value, 1, 120);
        var training = Assert.Single(summaries, q => q.Name == StorageNames.TrainingJobsQueue);
        Assert.False(training.IsPoison || training.NeedsAttention);
        await poison.ClearMessagesAsync();
    }
}
