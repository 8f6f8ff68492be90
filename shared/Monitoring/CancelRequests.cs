using BertServerless.Shared.Jobs;

namespace BertServerless.Shared.Monitoring;

/// <summary>What asking to cancel a job did.</summary>
public enum CancelOutcome
{
    Requested,
    AlreadyRequested,
    AlreadyFinished,
    NotFound,
}

/// <summary>
/// Records a user's request to cancel a job in its status (<see cref="JobStatus.CancelRequested"/> and a history line).
/// Recording is all this does: the worker reads the request between steps.
/// </summary>
public sealed class CancelRequests(JobStatusStore statuses)
{
    public async Task<CancelOutcome> RequestAsync(string jobId, CancellationToken cancellationToken)
    {
        var current = await statuses.GetAsync(jobId, cancellationToken);
        if (current is null) return CancelOutcome.NotFound;
        if (current.IsFinished) return CancelOutcome.AlreadyFinished;
        if (current.CancelRequested is not null) return CancelOutcome.AlreadyRequested;

        var outcome = CancelOutcome.AlreadyRequested;
        await statuses.UpdateAsync(jobId, status =>
        {
            // Runs again when another writer won the race: decide from the status as it is now.
            outcome = status.IsFinished ? CancelOutcome.AlreadyFinished
                : status.CancelRequested is not null ? CancelOutcome.AlreadyRequested
                : CancelOutcome.Requested;
            if (outcome != CancelOutcome.Requested) return;
            status.CancelRequested = statuses.Now;
            status.Note("Cancel requested.", statuses.Now);
        }, cancellationToken);
        return outcome;
    }
}
