using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;

namespace BertServerless.Shared.Monitoring;

/// <summary>
/// A job's loss history, <c>jobs/{jobId}/metrics.jsonl</c>: an append blob the worker adds lines to as it trains, so
/// the history grows without rewriting status.json (which keeps only the latest progress).
/// </summary>
public sealed class JobMetricsLog(BlobContainerClient jobs)
{
    private static readonly JsonSerializerOptions Line = DocumentJson.CompactOptions;

    /// <summary>Appends <paramref name="points"/> as one block: one request however many lines.</summary>
    public async Task AppendAsync(string jobId, IReadOnlyCollection<JobMetricsPoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0) return;
        var blob = jobs.GetAppendBlobClient(BlobPaths.Metrics(jobId));
        await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } }, cancellationToken);
        var text = string.Concat(points.Select(p => JsonSerializer.Serialize(p, Line) + "\n"));
        using var block = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await blob.AppendBlockAsync(block, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The history in step order, one point per step. A step can appear twice (a retried append, or a job resumed from
    /// an earlier checkpoint trains its steps again); the later line wins, as it describes the run that went on.
    /// </summary>
    public async Task<IReadOnlyList<JobMetricsPoint>> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = (await jobs.GetBlobClient(BlobPaths.Metrics(jobId)).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [];
        }

        var byStep = new SortedDictionary<long, JobMetricsPoint>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var point = JsonSerializer.Deserialize<JobMetricsPoint>(line, Line)!;
                byStep[point.Step] = point;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{StorageNames.JobsContainer}/{BlobPaths.Metrics(jobId)}' has a line that is not a metrics point: {e.Message}", e);
            }
        }
        return [.. byStep.Values];
    }
}
