using Azure;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;

namespace BertServerless.Shared.Monitoring;

/// <summary>Reads jobs as the pipeline stores them: every <c>jobs/{jobId}/status.json</c>, and each job's metrics log.</summary>
public sealed class JobCatalog(PipelineStorage storage, JobStatusStore statuses, JobMetricsLog metrics)
{
    private const string StatusSuffix = "/status.json";

    /// <summary>
    /// The jobs matching <paramref name="query"/>, newest first. Statuses are read in batches in the order of their
    /// blobs' creation (the job's creation) and reading stops once enough match, so a long history costs a list
    /// request, not a download of every job.
    /// </summary>
    public async Task<IReadOnlyList<JobStatus>> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        query = query.Validated();
        var candidates = new List<(string JobId, DateTimeOffset Created)>();
        try
        {
            await foreach (var blob in storage.Jobs.GetBlobsAsync(cancellationToken: cancellationToken))
            {
                if (!blob.Name.EndsWith(StatusSuffix, StringComparison.Ordinal)) continue;
                var jobId = blob.Name[..^StatusSuffix.Length];
                if (JobIds.IsValid(jobId)) candidates.Add((jobId, blob.Properties.CreatedOn ?? blob.Properties.LastModified ?? DateTimeOffset.MinValue));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No container yet (a fresh Azurite before anything started): no jobs, not an error.
            return [];
        }

        var found = new List<JobStatus>();
        var batch = Math.Max(query.Limit, 16);
        foreach (var chunk in candidates.OrderByDescending(c => c.Created).Chunk(batch))
        {
            // A job deleted between the list and the read is simply gone.
            var read = await Task.WhenAll(chunk.Select(c => statuses.GetAsync(c.JobId, cancellationToken)));
            found.AddRange(read.OfType<JobStatus>().Where(s => query.State is null || s.State == query.State));
            if (found.Count >= query.Limit) break;
        }
        return [.. found.OrderByDescending(s => s.Created).ThenBy(s => s.JobId, StringComparer.Ordinal).Take(query.Limit)];
    }

    public Task<JobStatus?> GetAsync(string jobId, CancellationToken cancellationToken) => statuses.GetAsync(jobId, cancellationToken);

    /// <summary>The loss history; empty for a job that has not logged a step (or does not exist).</summary>
    public Task<IReadOnlyList<JobMetricsPoint>> MetricsAsync(string jobId, CancellationToken cancellationToken)
        => JobIds.IsValid(jobId) ? metrics.ReadAsync(jobId, cancellationToken) : throw new ArgumentException($"'{jobId}' is not a job id.", nameof(jobId));
}
