using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Runs after every chunk; acts only when all chunk markers exist: writes <c>manifest.json</c>, sends exactly one
/// <see cref="ShardsReady"/> through <see cref="TrainingRequestGate"/>, then moves the job to ReadyForTraining.
/// Several chunks may finish at once and all see the full set; every step is safe to repeat, so a retry after any
/// failure (or a redelivery after a crash) completes what the first attempt left undone.
/// </summary>
public sealed class PrepFinisher(PipelineStorage storage, JobStatusStore jobs, TrainingRequestGate gate, ILogger<PrepFinisher> logger)
{
    public async Task TryFinishAsync(string jobId, int chunkCount, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var done = 0;
        await foreach (var blob in storage.Shards.GetBlobsAsync(new GetBlobsOptions { Prefix = BlobPaths.ChunksPrefix(jobId) }, cancellationToken))
            if (blob.Name.EndsWith(BlobPaths.ChunkMarkerExtension, StringComparison.Ordinal)) done++;
        if (done < chunkCount)
        {
            logger.LogInformation("Job {JobId}: {Done} of {Chunks} chunk(s) prepared", jobId, done, chunkCount);
            return;
        }

        var manifest = await BuildManifestAsync(jobId, chunkCount, settings, cancellationToken);
        if (manifest.NoPairsError is { } error)
        {
            await jobs.FailAsync(jobId, error, cancellationToken);
            return;
        }
        await storage.Shards.GetBlobClient(BlobPaths.Manifest(jobId)).UploadAsync(BinaryData.FromString(manifest.ToJson()), overwrite: true, cancellationToken);

        if (await gate.ClaimAsync(jobId, cancellationToken) is { } claim)
        {
            if (claim.TookOver && await WasRequestedAsync(jobId, cancellationToken))
                logger.LogWarning("Job {JobId}: the earlier sender's {Message} arrived; not sending another", jobId, nameof(ShardsReady));
            else
                await storage.TrainingJobs.SendMessageAsync(MessageJson.Serialize(
                    new ShardsReady(jobId, BlobPaths.Manifest(jobId), manifest.Shards.Count, manifest.Stats.Sequences)), cancellationToken);
            await gate.MarkSentAsync(claim, cancellationToken);
            logger.LogInformation("Job {JobId}: prep done, {Shards} shard(s); sent {Message} to {Queue}",
                jobId, manifest.Shards.Count, nameof(ShardsReady), StorageNames.TrainingJobsQueue);
        }

        // After the send, never before: a status that says ReadyForTraining promises a message on the queue. The worker
        // may already have moved the job on, so only a job still preparing moves.
        await jobs.UpdateAsync(jobId, status =>
        {
            status.PrepStats = manifest.Stats;
            status.Shards = manifest.Shards.Count;
            if (status.State < JobState.ReadyForTraining)
                status.MoveTo(JobState.ReadyForTraining, $"{manifest.Shards.Count} shard(s), {manifest.Stats.Sequences:N0} sequences{Phase2(manifest)}; training requested.", jobs.Now);
        }, cancellationToken);
    }

    private static string Phase2(ShardManifest manifest) => manifest.Phase2Shards is { } phase2
        ? $" (and {phase2.Count} phase-2 shard(s) of {phase2.Sum(s => s.Sequences):N0} sequences)"
        : "";

    /// <summary>
    /// After a send whose outcome is unknown (its reply lost, or the sender died before recording it): did the message
    /// arrive? The worker has moved the job on, or the message waits on the queue. A message the worker holds invisible
    /// without having moved the job yet is missed, and the duplicate that follows is dropped by the worker.
    /// </summary>
    private async Task<bool> WasRequestedAsync(string jobId, CancellationToken cancellationToken)
    {
        if ((await jobs.GetAsync(jobId, cancellationToken))?.State > JobState.ReadyForTraining) return true;
        var waiting = (await storage.TrainingJobs.PeekMessagesAsync(storage.TrainingJobs.MaxPeekableMessages, cancellationToken)).Value;
        return waiting.Any(m => IsShardsReadyFor(m.Body.ToString(), jobId));
    }

    private static bool IsShardsReadyFor(string messageText, string jobId)
    {
        try
        {
            return MessageJson.Parse<ShardsReady>(messageText).JobId == jobId;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private async Task<ShardManifest> BuildManifestAsync(string jobId, int chunkCount, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var markers = new List<(PrepStats Stats, IEnumerable<ShardEntry> Shards)>();
        for (var index = 0; index < chunkCount; index++)
        {
            var name = BlobPaths.ChunkMarker(jobId, index);
            var content = (await storage.Shards.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content;
            var marker = ChunkMarker.Parse(content.ToString(), name);
            markers.Add((marker.Stats, marker.Shards));
        }
        return ShardManifest.Assemble(settings[ShardFormat.Meta.Source], settings, markers);
    }
}
