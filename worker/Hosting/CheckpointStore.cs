using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Storage;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// A job's files in the checkpoints container: <c>{jobId}/step-000500/</c> (resumable: model, optimizer moments,
/// trainer state), <c>{jobId}/final/</c> (Hugging Face layout), <c>{jobId}/eval.json</c> and, always last,
/// <c>{jobId}/latest.json</c>.
/// </summary>
public sealed class CheckpointStore(PipelineStorage storage, TimeProvider time)
{
    private static readonly BlobHttpHeaders JsonHeaders = new() { ContentType = "application/json" };

    public BlobContainerClient Container => storage.Checkpoints;

    /// <summary>Uploads a step checkpoint's files, then points latest.json at it.</summary>
    public async Task<string> UploadStepAsync(string jobId, int step, int totalSteps, string directory, CancellationToken cancellationToken)
    {
        var prefix = BlobPaths.StepCheckpoint(jobId, step);
        await UploadFilesAsync(directory, prefix, static _ => true, cancellationToken);
        await WriteLatestAsync(jobId, new LatestCheckpoint(prefix, step, totalSteps, Final: false, time.GetUtcNow()), cancellationToken);
        return prefix;
    }

    /// <summary>
    /// Uploads the final model (without the optimizer moments: nothing resumes a finished run) and eval.json, then
    /// points latest.json at the model.
    /// </summary>
    public async Task<string> UploadFinalAsync(string jobId, int step, string outputDirectory, CancellationToken cancellationToken)
    {
        var prefix = BlobPaths.FinalCheckpoint(jobId);
        await UploadFilesAsync(outputDirectory, prefix, name => name is not (OptimizerStateFile.FileName or TrainingReport.FileName), cancellationToken);
        await Container.GetBlobClient(BlobPaths.Eval(jobId)).UploadAsync(Path.Combine(outputDirectory, TrainingReport.FileName),
            new BlobUploadOptions { HttpHeaders = JsonHeaders }, cancellationToken);
        await WriteLatestAsync(jobId, new LatestCheckpoint(prefix, step, step, Final: true, time.GetUtcNow()), cancellationToken);
        return prefix;
    }

    public async Task<LatestCheckpoint?> ReadLatestAsync(string jobId, CancellationToken cancellationToken)
    {
        var name = BlobPaths.LatestCheckpoint(jobId);
        return await ReadTextAsync(name, cancellationToken) is { } json ? LatestCheckpoint.Parse(json, name) : null;
    }

    /// <summary>The uploaded eval.json (<c>before</c>, <c>after</c>, <c>eval_shards</c>), or null when there is none.</summary>
    public async Task<JsonObject?> ReadEvalAsync(string jobId, CancellationToken cancellationToken)
    {
        var name = BlobPaths.Eval(jobId);
        return await ReadTextAsync(name, cancellationToken) is { } json
            ? JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"'{name}' is not a JSON object.")
            : null;
    }

    private async Task UploadFilesAsync(string directory, string prefix, Func<string, bool> include, CancellationToken cancellationToken)
    {
        foreach (var path in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (include(name))
                await Container.GetBlobClient(prefix + name).UploadAsync(path, overwrite: true, cancellationToken);
        }
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
