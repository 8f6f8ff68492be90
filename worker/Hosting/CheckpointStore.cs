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

    public BlobContainerClient Container => storage.Checkpoints;

    /// <summary>Uploads a step checkpoint's files, then points latest.json at it.</summary>
    public async Task<string> UploadStepAsync(string jobId, CheckpointWritten checkpoint, CancellationToken cancellationToken)
    {
        var prefix = BlobPaths.StepCheckpoint(jobId, checkpoint.Step);
        await UploadFilesAsync(checkpoint.Directory, prefix, cancellationToken);
        await WriteLatestAsync(jobId, new LatestCheckpoint(prefix, checkpoint.Step, checkpoint.TotalSteps, Final: false, time.GetUtcNow()), cancellationToken);
        return prefix;
    }

    /// <summary>Uploads the output folder's <c>final/</c> and eval.json, then points latest.json at the model.</summary>
    public async Task<string> UploadFinalAsync(string jobId, int step, string outputDirectory, CancellationToken cancellationToken)
    {
        var prefix = BlobPaths.FinalCheckpoint(jobId);
        await UploadFilesAsync(Path.Combine(outputDirectory, CheckpointLayout.FinalFolder), prefix, cancellationToken);
        await Container.GetBlobClient(BlobPaths.Eval(jobId)).UploadAsync(Path.Combine(outputDirectory, CheckpointLayout.EvalFile),
            new BlobUploadOptions { HttpHeaders = JsonHeaders }, cancellationToken);
        await WriteLatestAsync(jobId, new LatestCheckpoint(prefix, step, step, Final: true, time.GetUtcNow()), cancellationToken);
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

    private async Task UploadFilesAsync(string directory, string prefix, CancellationToken cancellationToken)
    {
        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            await Container.GetBlobClient(prefix + Path.GetFileName(path)).UploadAsync(path, overwrite: true, cancellationToken);
    }

    private Task WriteLatestAsync(string jobId, LatestCheckpoint latest, CancellationToken cancellationToken)
        => Container.GetBlobClient(BlobPaths.LatestCheckpoint(jobId)).UploadAsync(BinaryData.FromString(latest.ToJson()),
            new BlobUploadOptions { HttpHeaders = JsonHeaders }, cancellationToken);

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
