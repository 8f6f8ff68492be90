using Azure;
using Azure.Storage.Queues;
using BertServerless.Shared.Storage;

namespace BertServerless.Shared.Monitoring;

/// <summary>Summarises every queue of the pipeline (<see cref="PipelineStorage.Queues"/>), poison queues included.</summary>
public sealed class QueueMonitor(QueueServiceClient queues, TimeProvider time)
{
    private const string PoisonSuffix = "-poison";

    public async Task<IReadOnlyList<QueueSummary>> SummarizeAsync(CancellationToken cancellationToken)
        => await Task.WhenAll(PipelineStorage.Queues.Select(name => SummarizeAsync(name, cancellationToken)));

    private async Task<QueueSummary> SummarizeAsync(string name, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient(name);
        var isPoison = name.EndsWith(PoisonSuffix, StringComparison.Ordinal);
        try
        {
            var depth = (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            var oldest = depth > 0 ? (await queue.PeekMessageAsync(cancellationToken)).Value?.InsertedOn : null;
            return new QueueSummary(name, isPoison, Exists: true, depth, oldest, oldest is { } inserted ? Math.Max(0, (time.GetUtcNow() - inserted).TotalSeconds) : null);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Nothing created it yet (a fresh Azurite before the first start): empty, and said so.
            return new QueueSummary(name, isPoison, Exists: false, 0, null, null);
        }
    }
}
