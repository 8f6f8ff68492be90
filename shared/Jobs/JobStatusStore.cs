using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Storage;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Reads and writes <c>jobs/{jobId}/status.json</c>. Creation is the duplicate gate (If-None-Match: *); updates are
/// read-change-write with If-Match on the ETag, retried when another writer got there first, so the Functions and the
/// worker can update one job concurrently without losing each other's changes.
/// </summary>
public sealed class JobStatusStore(BlobContainerClient jobs, TimeProvider time)
{
    private const int MaxAttempts = 20;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The jobs container, for the files kept beside status.json (the metrics log).</summary>
    public BlobContainerClient Container => jobs;

    public async Task<JobStatus?> GetAsync(string jobId, CancellationToken cancellationToken)
        => (await ReadAsync(jobId, cancellationToken))?.Status;

    /// <summary>Stores <paramref name="status"/> unless the job exists; false means another delivery created it first.</summary>
    public async Task<bool> TryCreateAsync(JobStatus status, CancellationToken cancellationToken)
    {
        try
        {
            await Blob(status.JobId).UploadAsync(BinaryData.FromString(status.ToJson()),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, HttpHeaders = JsonHeaders },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the latest status and stores it if nobody wrote in between; otherwise reads
    /// again and re-applies, so <paramref name="change"/> must be safe to run more than once. Returns the stored status.
    /// </summary>
    public async Task<JobStatus> UpdateAsync(string jobId, Action<JobStatus> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (status, etag) = await ReadAsync(jobId, cancellationToken)
                                 ?? throw new InvalidOperationException($"Job {jobId} has no status: it was never created or was deleted.");
            change(status);
            status.Updated = Now;
            try
            {
                await Blob(jobId).UploadAsync(BinaryData.FromString(status.ToJson()),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = etag }, HttpHeaders = JsonHeaders },
                    cancellationToken);
                return status;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
            {
                // Another writer won; back off a little, jittered so two losers do not collide again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50 * Math.Min(attempt, 10))), time, cancellationToken);
            }
        }
    }

    /// <summary>Marks the job failed with <paramref name="error"/> (no-op for a finished job).</summary>
    public Task<JobStatus> FailAsync(string jobId, string error, CancellationToken cancellationToken)
        => UpdateAsync(jobId, status => status.Fail(error, Now), cancellationToken);

    private async Task<(JobStatus Status, ETag ETag)?> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id.", nameof(jobId));
        try
        {
            var content = (await Blob(jobId).DownloadContentAsync(cancellationToken)).Value;
            return (JobStatus.Parse(content.Content.ToString(), BlobPaths.Status(jobId)), content.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private BlobClient Blob(string jobId) => jobs.GetBlobClient(BlobPaths.Status(jobId));

    private static readonly BlobHttpHeaders JsonHeaders = new() { ContentType = "application/json" };
}
