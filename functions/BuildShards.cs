using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BertServerless.Functions;

/// <summary>
/// One <c>BookChunked</c> from <c>prep-chunks</c>: the chunk's masked, tokenized shards; the last chunk to finish
/// writes manifest.json and sends the job's one <c>ShardsReady</c>. A message that keeps failing is moved to
/// <c>prep-chunks-poison</c> by the host after host.json's maxDequeueCount.
/// </summary>
public sealed class BuildShards(ChunkShardBuilder builder, ILogger<BuildShards> logger)
{
    [Function(nameof(BuildShards))]
    public async Task Run(
        [QueueTrigger(StorageNames.PrepChunksQueue, Connection = StorageNames.Connection)] string message,
        long dequeueCount,
        CancellationToken cancellationToken)
    {
        logger.LogInformation("Chunk message received (attempt {Attempt}): {Message}", dequeueCount, message);
        try
        {
            await builder.BuildAsync(message, cancellationToken);
        }
        catch (Exception e) when (dequeueCount >= StorageNames.PrepChunksMaxDequeueCount && e is not OperationCanceledException)
        {
            // The host poisons the message after this throw; the job must say so too.
            await builder.RecordGivenUpAsync(message, dequeueCount, e, cancellationToken);
            throw;
        }
    }
}
