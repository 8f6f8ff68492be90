using BertServerless.Shared.Jobs;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>
/// Follows a job's <c>status.json</c> until it finishes: a line per state change, then training progress through
/// <see cref="TrainingProgressDisplay"/>.
/// </summary>
public sealed class JobFollower(JobStatusStore store, string jobId)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private int _eventsShown;

    public async Task<JobStatus> FollowAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var status = await UntilAsync(s => s.State is JobState.Training || s.IsFinished, deadline.Token);
            if (status.IsFinished) return status;
            return await TrainingProgressDisplay.RunAsync(progress => UntilAsync(s =>
            {
                if (s.Progress is { TotalSteps: > 0 } p) progress.Report(p);
                return s.IsFinished;
            }, deadline.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Job {jobId} did not finish within {timeout}; its status is in jobs/{jobId}/status.json.");
        }
    }

    /// <summary>Polls until <paramref name="done"/>, printing each new history event once.</summary>
    private async Task<JobStatus> UntilAsync(Func<JobStatus, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await store.GetAsync(jobId, cancellationToken);
            if (status is not null)
            {
                PrintNewEvents(status);
                if (done(status)) return status;
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private void PrintNewEvents(JobStatus status)
    {
        foreach (var e in status.History.Skip(_eventsShown))
            AnsiConsole.MarkupLineInterpolated($"[grey]{e.Time:HH:mm:ss}[/] [bold]{e.State}[/] {e.Message}");
        _eventsShown = status.History.Count;
    }
}
