using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// A job's run in the checkpoints container, in the same <see cref="CheckpointLayout"/> as the local output folder:
/// <c>{jobId}/step-000500/</c>, <c>{jobId}/final/</c>, <c>{jobId}/eval.json</c> and, always last, <c>{jobId}/latest.json</c>.
/// </summary>
public sealed class CheckpointStore(PipelineStorage storage, TimeProvider time)
{
    private static readonly BlobHttpHeaders JsonHeaders = new() { ContentType = "application/json" };

    /// <summary>Blob metadata key naming the <see cref="TrainingOwner.Writer"/> that uploaded a checkpoint file.</summary>
    public const string WriterKey = "writer";

    private static readonly Dictionary<string, string> WriterMetadata = new() { [WriterKey] = TrainingOwner.Writer };

    public BlobContainerClient Container => storage.Checkpoints;

    /// <summary>Uploads a step checkpoint's files, then points latest.json at it; each write fenced by <paramref name="owner"/>.</summary>
    public async Task<string> UploadStepAsync(string jobId, CheckpointWritten checkpoint, TrainingOwner owner, CancellationToken cancellationToken)
    {
        var prefix = BlobPaths.StepCheckpoint(jobId, checkpoint.Step);
        await UploadFilesAsync(checkpoint.Directory, prefix, owner, cancellationToken);
        await WriteLatestAsync(jobId, new LatestCheckpoint(prefix, checkpoint.Step, checkpoint.TotalSteps, Final: false, time.GetUtcNow(), TrainingOwner.Writer), owner, cancellationToken);
        return prefix;
    }

    /// <summary>
    /// Uploads the output folder's <c>final/</c> and eval.json, then points latest.json at the model. A final model
    /// that latest.json names already is never written again: its job may be Succeeded, and its files downloaded.
    /// </summary>
    public async Task<string> UploadFinalAsync(string jobId, int step, string outputDirectory, TrainingOwner owner, CancellationToken cancellationToken)
    {
        var prefix = BlobPaths.FinalCheckpoint(jobId);
        if (await ReadLatestAsync(jobId, cancellationToken) is { Final: true } done) return done.Prefix;
        await UploadFilesAsync(Path.Combine(outputDirectory, CheckpointLayout.FinalFolder), prefix, owner, cancellationToken);
        await UploadFileAsync(Path.Combine(outputDirectory, CheckpointLayout.EvalFile), BlobPaths.Eval(jobId), JsonHeaders, owner, cancellationToken);
        await WriteLatestAsync(jobId, new LatestCheckpoint(prefix, step, step, Final: true, time.GetUtcNow(), TrainingOwner.Writer), owner, cancellationToken);
        return prefix;
    }

    public async Task<LatestCheckpoint?> ReadLatestAsync(string jobId, CancellationToken cancellationToken)
    {
        var name = BlobPaths.LatestCheckpoint(jobId);
        return await ReadTextAsync(name, cancellationToken) is { } json ? LatestCheckpoint.Parse(json, name) : null;
    }

    /// <summary>The uploaded eval.json, or null when there is none.</summary>
    public async Task<EvaluationReport?> ReadEvalAsync(string jobId, CancellationToken cancellationToken)
    {
        var name = BlobPaths.Eval(jobId);
        return await ReadTextAsync(name, cancellationToken) is { } json ? EvaluationReport.Parse(json, name) : null;
    }

    /// <summary>Whether the final model and eval.json are stored (latest.json, written last, says so): then the training is done.</summary>
    public async Task<bool> IsFinalUploadedAsync(string jobId, CancellationToken cancellationToken)
        => await ReadLatestAsync(jobId, cancellationToken) is { Final: true } && await ReadEvalAsync(jobId, cancellationToken) is not null;

    private async Task UploadFilesAsync(string directory, string prefix, TrainingOwner owner, CancellationToken cancellationToken)
    {
        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            await UploadFileAsync(path, prefix + Path.GetFileName(path), headers: null, owner, cancellationToken);
    }

    /// <summary>Checks the fence, then uploads (overwriting) with the writer in the blob's metadata, so two trainers can be told apart afterwards.</summary>
    private async Task UploadFileAsync(string path, string name, BlobHttpHeaders? headers, TrainingOwner owner, CancellationToken cancellationToken)
    {
        await owner.EnsureHeldAsync(cancellationToken);
        await Container.GetBlobClient(name).UploadAsync(path, new BlobUploadOptions { HttpHeaders = headers, Metadata = WriterMetadata }, cancellationToken);
    }

    /// <summary>
    /// Moves latest.json forward only: written If-Match on the ETag of the version just read (If-None-Match: * when
    /// there is none), never over a newer step or the final model, so a trainer that lost the job cannot move it back.
    /// </summary>
    private async Task WriteLatestAsync(string jobId, LatestCheckpoint latest, TrainingOwner owner, CancellationToken cancellationToken)
    {
        var name = BlobPaths.LatestCheckpoint(jobId);
        var blob = Container.GetBlobClient(name);
        while (true)
        {
            var (current, etag) = await ReadLatestWithETagAsync(blob, cancellationToken);
            if (current is not null && (current.Final || current.Step > latest.Step))
                throw new InvalidOperationException(
                    $"{name} names {current.Prefix} (step {current.Step}, written by {current.Writer}), not older than step {latest.Step}: another trainer wrote it; not moving it back.");
            await owner.EnsureHeldAsync(cancellationToken);
            var conditions = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                await blob.UploadAsync(BinaryData.FromString(latest.ToJson()),
                    new BlobUploadOptions { HttpHeaders = JsonHeaders, Metadata = WriterMetadata, Conditions = conditions }, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Written by someone else since it was read: read it again and decide again.
            }
        }
    }

    private static async Task<(LatestCheckpoint? Latest, ETag? ETag)> ReadLatestWithETagAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var content = (await blob.DownloadContentAsync(cancellationToken)).Value;
            return (LatestCheckpoint.Parse(content.Content.ToString(), blob.Name), content.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }
    }

    private async Task<string?> ReadTextAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await Container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}
