using System.Diagnostics;
using BertServerless.Shared.Jobs;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>
/// Follows a job's <c>status.json</c> until it finishes: a line per state change, then training progress as a live
/// bar in a terminal or a plain line every few seconds otherwise (CI, logs).
/// </summary>
public sealed class JobFollower(JobStatusStore store, string jobId)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    private int _eventsShown;

    public async Task<JobStatus> FollowAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var status = await UntilAsync(s => s.State is JobState.Training || s.IsFinished, deadline.Token);
            if (status.IsFinished) return status;
            return ConsoleProgress.IsInteractive
                ? await FollowTrainingWithBarAsync(deadline.Token)
                : await UntilAsync(s => s.IsFinished, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Job {jobId} did not finish within {timeout}; its status is in jobs/{jobId}/status.json.");
        }
    }

    private async Task<JobStatus> FollowTrainingWithBarAsync(CancellationToken cancellationToken)
    {
        JobStatus? last = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("training");
                last = await UntilAsync(s =>
                {
                    if (s.Progress is { TotalSteps: > 0 } p)
                    {
                        bar.MaxValue = p.TotalSteps;
                        bar.Value = p.Step;
                        bar.Description = Markup.Escape(Describe(p));
                    }
                    return s.IsFinished;
                }, cancellationToken, quiet: true);
            });
        return last!;
    }

    /// <summary>Polls until <paramref name="done"/>; prints state changes, and progress lines unless <paramref name="quiet"/>.</summary>
    private async Task<JobStatus> UntilAsync(Func<JobStatus, bool> done, CancellationToken cancellationToken, bool quiet = false)
    {
        var clock = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        while (true)
        {
            var status = await store.GetAsync(jobId, cancellationToken);
            if (status is not null)
            {
                PrintNewEvents(status);
                if (done(status)) return status;
                if (!quiet && status.Progress is { } progress && clock.Elapsed - lastLine >= PlainInterval)
                {
                    lastLine = clock.Elapsed;
                    Console.WriteLine($"  {Describe(progress)}");
                }
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

    private static string Describe(JobProgress p)
        => $"step {p.Step}/{p.TotalSteps}"
           + (p.Loss is { } loss ? $" loss {loss:F3} (mlm {p.MlmLoss:F3}, nsp {p.NspLoss:F3})" : "")
           + (p.TokensPerSecond is { } tps ? $" {tps:N0} tok/s" : "")
           + (p.EtaSeconds is { } eta ? $" ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}" : "");
}
