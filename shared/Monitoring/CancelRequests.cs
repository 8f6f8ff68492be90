using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;

namespace BertServerless.Shared.Monitoring;

/// <summary>What asking to cancel a job did.</summary>
public enum CancelOutcome
{
    Requested,
    AlreadyRequested,
    AlreadyFinished,
    NotFound,
}

/// <summary>What asking to resume a job did.</summary>
public enum ResumeOutcome
{
    /// <summary>The cancelled job is ReadyForTraining again and its training message is sent.</summary>
    Resumed,
    /// <summary>The worker had not honoured the request yet: it is withdrawn, and the job goes on as if never cancelled.</summary>
    RequestWithdrawn,
    NotCancelled,
    NotFound,
}

/// <summary>
/// A user's request to cancel a job, recorded in its status (<see cref="JobStatus.CancelRequested"/> and a history
/// line), and taken back by a resume. Recording is all a cancel does: the worker reads the request between steps (at
/// each progress write) and before it starts a job, stops with a checkpoint, and moves the job to Cancelled.
/// </summary>
public sealed class CancelRequests(JobStatusStore statuses, PipelineStorage storage)
{
    public async Task<CancelOutcome> RequestAsync(string jobId, CancellationToken cancellationToken)
    {
        var current = await statuses.GetAsync(jobId, cancellationToken);
        if (current is null) return CancelOutcome.NotFound;
        if (Decide(current) is var early and not CancelOutcome.Requested) return early;

        var outcome = CancelOutcome.AlreadyRequested;
        await statuses.UpdateAsync(jobId, status =>
        {
            // Runs again when another writer won the race: decide from the status as it is now.
            outcome = Decide(status);
            if (outcome != CancelOutcome.Requested) return;
            status.CancelRequested = statuses.Now;
            status.Note("Cancel requested.", statuses.Now);
        }, cancellationToken);
        return outcome;
    }

    /// <summary>
    /// Resumes a cancelled job: back to ReadyForTraining, then its <see cref="ShardsReady"/> again (a second message for
    /// the job, on purpose), so the worker continues from latest.json. The status moves first: a message that arrived
    /// before it would find the job still Cancelled and be dropped.
    /// </summary>
    public async Task<ResumeOutcome> ResumeAsync(string jobId, CancellationToken cancellationToken)
    {
        var current = await statuses.GetAsync(jobId, cancellationToken);
        if (current is null) return ResumeOutcome.NotFound;
        if (current.State != JobState.Cancelled && current.CancelRequested is null) return ResumeOutcome.NotCancelled;

        var outcome = ResumeOutcome.NotCancelled;
        var resumed = await statuses.UpdateAsync(jobId, status =>
        {
            if (status.State == JobState.Cancelled)
            {
                outcome = ResumeOutcome.Resumed;
                status.Resume("Resumed; training continues from the latest checkpoint.", statuses.Now);
            }
            else if (status.CancelRequested is not null && !status.IsFinished)
            {
                outcome = ResumeOutcome.RequestWithdrawn;
                status.CancelRequested = null;
                status.Note("Cancel request withdrawn.", statuses.Now);
            }
            else outcome = ResumeOutcome.NotCancelled;
        }, cancellationToken);
        if (outcome != ResumeOutcome.Resumed) return outcome;

        try
        {
            await storage.TrainingJobs.SendMessageAsync(MessageJson.Serialize(
                new ShardsReady(jobId, BlobPaths.Manifest(jobId), resumed.Shards ?? 0, resumed.PrepStats?.Sequences ?? 0)), cancellationToken);
        }
        catch
        {
            // Without its message the job would wait in ReadyForTraining for ever; cancelled again, a resume can be retried.
            await statuses.UpdateAsync(jobId, status => status.Cancel("Resuming failed: the training message could not be sent.", statuses.Now), CancellationToken.None);
            throw;
        }
        return outcome;
    }

    private static CancelOutcome Decide(JobStatus status)
        => status.CancelRequested is not null ? CancelOutcome.AlreadyRequested
            : status.IsFinished ? CancelOutcome.AlreadyFinished
            : CancelOutcome.Requested;
}
