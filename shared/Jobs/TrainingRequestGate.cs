using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Makes the job's one <c>ShardsReady</c> exactly one across crashes, retries and racing finishers. The gate blob
/// (<see cref="TrainingRequest"/>) is claimed by conditional writes, so one finisher at a time sends; it records the
/// send's outcome, so no finisher sends after it. Nothing is ever deleted to "reopen" it: a crash, a lost reply or a
/// failed write leaves a claim that goes stale after <see cref="PrepFinisherOptions.SendClaimTimeout"/>, and the
/// retry of any chunk message (the one that crashed is always redelivered) takes it over and finishes the send.
/// </summary>
public sealed class TrainingRequestGate(
    PipelineStorage storage,
    JobStatusStore jobs,
    IOptions<PrepFinisherOptions> options,
    ILogger<TrainingRequestGate> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A claim to send; <see cref="TookOver"/> when an earlier sender may have sent already.</summary>
    public sealed record Claim(string JobId, ETag ETag, bool TookOver);

    /// <summary>
    /// Returns a claim to send, or null when the request was sent. A live claim of another finisher is waited for
    /// (a send takes milliseconds) until it is marked sent or goes stale.
    /// </summary>
    public async Task<Claim?> ClaimAsync(string jobId, CancellationToken cancellationToken)
    {
        var gate = Gate(jobId);
        while (true)
        {
            try
            {
                var created = await gate.UploadAsync(BinaryData.FromString(new TrainingRequest(false, jobs.Now).ToJson()),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
                return new Claim(jobId, created.Value.ETag, TookOver: false);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Exists: another finisher's, or ours if the SDK retried a create whose reply was lost. Either way
                // it is read, never trusted blindly as "someone else will send".
            }

            var (request, etag) = await ReadAsync(gate, cancellationToken);
            if (request.Sent) return null;
            if (jobs.Now - request.Claimed < options.Value.SendClaimTimeout)
            {
                await Task.Delay(PollInterval, cancellationToken);
                continue;
            }
            try
            {
                var taken = await gate.UploadAsync(BinaryData.FromString(new TrainingRequest(false, jobs.Now).ToJson()),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken);
                logger.LogWarning("Job {JobId}: training request claimed at {Claimed} was never marked sent; taking it over", jobId, request.Claimed);
                return new Claim(jobId, taken.Value.ETag, TookOver: true);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Another finisher took it over first; read again.
            }
        }
    }

    /// <summary>Records that the request was sent. A 412 means our claim went stale and was taken over; the taker sees the message and sends none.</summary>
    public async Task MarkSentAsync(Claim claim, CancellationToken cancellationToken)
    {
        try
        {
            await Gate(claim.JobId).UploadAsync(BinaryData.FromString(new TrainingRequest(true, jobs.Now).ToJson()),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = claim.ETag } }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            logger.LogWarning("Job {JobId}: the training request claim was taken over before it was marked sent", claim.JobId);
        }
    }

    private static async Task<(TrainingRequest Request, ETag ETag)> ReadAsync(BlobClient gate, CancellationToken cancellationToken)
    {
        var content = (await gate.DownloadContentAsync(cancellationToken)).Value;
        return (TrainingRequest.Parse(content.Content.ToString(), gate.Name), content.Details.ETag);
    }

    private BlobClient Gate(string jobId) => storage.Jobs.GetBlobClient(BlobPaths.TrainingGate(jobId));
}
