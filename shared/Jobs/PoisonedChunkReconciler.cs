using BertServerless.Shared.Contracts;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Fails the jobs of chunk messages that reached <c>prep-chunks-poison</c> without our give-up running: the Functions
/// host poisons a message whose last attempt crashed or timed out without calling our code, and such a job would sit
/// in Preparing for ever. Run on a timer (<c>ReconcilePrep</c>) and by the local runner. Peeks, never receives, so the
/// messages stay for replay; a job already marked is left as it is.
/// </summary>
public sealed class PoisonedChunkReconciler(PipelineStorage storage, JobStatusStore jobs, ILogger<PoisonedChunkReconciler> logger)
{
    /// <summary>Returns how many jobs it failed.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var poison = storage.PrepChunksPoison;
        var failed = 0;
        foreach (var peeked in (await poison.PeekMessagesAsync(poison.MaxPeekableMessages, cancellationToken)).Value)
        {
            if (TryParse(peeked.Body.ToString()) is not { } message) continue;
            var status = await jobs.GetAsync(message.JobId, cancellationToken);
            if (status is null || status.PoisonedChunks?.Contains(message.ChunkIndex) == true || status.State > JobState.Preparing) continue;

            var error = $"Chunk {message.ChunkIndex} of {message.ChunkCount} was moved to {poison.Name} after its last attempt " +
                        "ended without a result (the process crashed or timed out). Replay it from there once the cause is fixed.";
            var updated = await jobs.UpdateAsync(message.JobId, s => s.ChunkPoisoned(message.ChunkIndex, error, jobs.Now), cancellationToken);
            if (updated.PoisonedChunks?.Contains(message.ChunkIndex) != true) continue;
            logger.LogWarning("Job {JobId} failed: chunk {Chunk} found in {Queue}", message.JobId, message.ChunkIndex, poison.Name);
            failed++;
        }
        return failed;
    }

    private static BookChunked? TryParse(string text)
    {
        try
        {
            var message = MessageJson.Parse<BookChunked>(text);
            return JobIds.IsValid(message.JobId) ? message : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
