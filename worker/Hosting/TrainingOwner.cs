using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BertServerless.Shared;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// The fence between trainers: only the holder of the blob lease on <c>jobs/{jobId}/training-owner</c> writes the job's
/// checkpoints, and it checks (renews) the lease before each upload. The blob names the queue message its holder trains
/// for. A receiver of that same message takes the lease over at once (a break, not a wait): the queue handed the message
/// on only because the holder's receipt lapsed, so the holder is dead (a SIGKILL cannot release a lease) or about to
/// find out; this is what keeps a kill and its redelivery from waiting out the lease. A receiver of another message for
/// the job (a second <c>ShardsReady</c>) does not get it while the holder lives.
/// </summary>
public sealed class TrainingOwner : IAsyncDisposable
{
    /// <summary>Azure's blob leases last 15 to 60 s or for ever; a finite one frees the job by itself when its holder dies.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    private readonly BlobLeaseClient _lease;
    private readonly string _jobId;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewing;

    private TrainingOwner(BlobLeaseClient lease, string jobId, TimeProvider time, ILogger logger)
    {
        _lease = lease;
        _jobId = jobId;
        _logger = logger;
        _renewing = RenewAsync(time);
    }

    /// <summary>This process, as checkpoints and latest.json record their writer: <c>{host}:{process id}</c>.</summary>
    public static string Writer { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Cancelled when another trainer took the lease: nothing more may be written for the job.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// Takes the lease for training <paramref name="jobId"/> under queue message <paramref name="messageId"/> and keeps
    /// renewing it; null when a live trainer of another message holds it.
    /// </summary>
    public static async Task<TrainingOwner?> TryAcquireAsync(BlobContainerClient jobs, string jobId, string messageId, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var blob = jobs.GetBlobClient(BlobPaths.TrainingOwner(jobId));
        await CreateAsync(blob, cancellationToken);
        var lease = blob.GetBlobLeaseClient(Guid.NewGuid().ToString());
        if (!await TryLeaseAsync(lease, cancellationToken))
        {
            var holder = await ReadAsync(blob, cancellationToken);
            if (holder?.MessageId != messageId)
            {
                logger.LogInformation("Job {JobId} is being trained by {Writer} for message {HolderMessageId} since {Since}",
                    jobId, holder?.Writer, holder?.MessageId, holder?.Acquired);
                return null;
            }
            logger.LogWarning("Job {JobId}: taking training over from {Writer}, whose receipt of message {MessageId} has lapsed", jobId, holder.Writer, messageId);
            await lease.BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken);
            // A third receiver of the same message could win the race for the broken lease; then it owns the job.
            if (!await TryLeaseAsync(lease, cancellationToken)) return null;
        }
        var record = new TrainingOwnerRecord(messageId, Writer, time.GetUtcNow());
        await blob.UploadAsync(BinaryData.FromString(DocumentJson.Serialize(record)),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { LeaseId = lease.LeaseId } }, cancellationToken);
        return new TrainingOwner(lease, jobId, time, logger);
    }

    /// <summary>Renews the lease before a write; throws <see cref="OperationCanceledException"/> on <see cref="Lost"/> when another trainer holds it now.</summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        _lost.Token.ThrowIfCancellationRequested();
        try
        {
            await _lease.RenewAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            await LoseAsync(e);
            _lost.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Stops renewing and releases the lease unless it was lost (or released already); a release that fails is left
    /// to expire. Called before the job's message is settled, so that the job's next message finds the job free.
    /// </summary>
    public async Task ReleaseAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        await _renewing;
        if (!_lost.IsCancellationRequested)
        {
            try
            {
                await _lease.ReleaseAsync(cancellationToken: CancellationToken.None);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                _logger.LogInformation("Job {JobId}: the training lease was taken over before it could be released ({Code})", _jobId, e.ErrorCode);
            }
            catch (Exception e) when (StorageFailures.IsStorageFailure(e))
            {
                _logger.LogWarning(e, "Job {JobId}: releasing the training lease failed; it expires within {Duration}", _jobId, Duration);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        _stop.Dispose();
        _lost.Dispose();
    }

    private async Task RenewAsync(TimeProvider time)
    {
        using var timer = new PeriodicTimer(Duration / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await _lease.RenewAsync(cancellationToken: _stop.Token);
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    await LoseAsync(e);
                    return;
                }
                catch (Exception e) when (StorageFailures.IsStorageFailure(e))
                {
                    // Transient: a lapsed lease that nobody took is renewed again once storage answers.
                    _logger.LogWarning(e, "Job {JobId}: renewing the training lease failed; retrying", _jobId);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task LoseAsync(RequestFailedException error)
    {
        if (_lost.IsCancellationRequested) return;
        _logger.LogError("Job {JobId}: another trainer took over the job ({Code}); writing nothing more", _jobId, error.ErrorCode);
        await _lost.CancelAsync();
    }

    private static async Task CreateAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(BinaryData.FromString("{}"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // There already, leased or not.
        }
    }

    private static async Task<bool> TryLeaseAsync(BlobLeaseClient lease, CancellationToken cancellationToken)
    {
        try
        {
            await lease.AcquireAsync(Duration, cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    private static async Task<TrainingOwnerRecord?> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var json = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        return DocumentJson.Parse<TrainingOwnerRecord>(json, blob.Name, "training-owner record") is { MessageId: not null } record ? record : null;
    }
}
