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
    /// <summary>Long enough to write one status; the function's own token may be the reason we are giving up.</summary>
    private static readonly TimeSpan GiveUpTimeout = TimeSpan.FromSeconds(30);

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
        catch (Exception e) when (dequeueCount >= StorageNames.PrepChunksMaxDequeueCount)
        {
            // The host poisons the message after this throw, whatever the exception (a timeout or shutdown cancels too);
            // the job must say so. The status write gets its own time, as the function's token may be cancelled.
            using var giveUp = new CancellationTokenSource(GiveUpTimeout);
            await builder.RecordGivenUpAsync(message, dequeueCount, e, giveUp.Token);
            throw;
        }
    }
}
