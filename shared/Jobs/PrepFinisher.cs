using Azure;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Runs after every chunk; acts only when all chunk markers exist: writes <c>manifest.json</c> and sends exactly one
/// <see cref="ShardsReady"/>. Several chunks may finish at once and all see the full set, so the message is gated by
/// creating <c>jobs/{jobId}/training-requested</c> with If-None-Match: * — storage lets exactly one creator win.
/// </summary>
public sealed class PrepFinisher(PipelineStorage storage, JobStatusStore jobs, ILogger<PrepFinisher> logger)
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

        if (!await TryOpenGateAsync(jobId, cancellationToken))
        {
            logger.LogInformation("Job {JobId}: training was already requested by another chunk", jobId);
            return;
        }

        try
        {
            await jobs.UpdateAsync(jobId, status =>
            {
                status.PrepStats = manifest.Stats;
                status.Shards = manifest.Shards.Count;
                // Before the message is sent: once it is, the worker may move the job to Training at any moment.
                status.MoveTo(JobState.ReadyForTraining, $"{manifest.Shards.Count} shard(s), {manifest.Stats.Sequences:N0} sequences; training requested.", jobs.Now);
            }, cancellationToken);
            var ready = new ShardsReady(jobId, BlobPaths.Manifest(jobId), manifest.Shards.Count, manifest.Stats.Sequences);
            await storage.TrainingJobs.SendMessageAsync(MessageJson.Serialize(ready), cancellationToken);
        }
        catch
        {
            // Reopen the gate so the retry of this message can send; only a process crash right here loses the request.
            await storage.Jobs.GetBlobClient(BlobPaths.TrainingGate(jobId)).DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
        }
        logger.LogInformation("Job {JobId}: prep done, {Shards} shard(s); sent {Message} to {Queue}",
            jobId, manifest.Shards.Count, nameof(ShardsReady), StorageNames.TrainingJobsQueue);
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

    private async Task<bool> TryOpenGateAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Jobs.GetBlobClient(BlobPaths.TrainingGate(jobId)).UploadAsync(BinaryData.FromString(jobs.Now.ToString("O")),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }
}
