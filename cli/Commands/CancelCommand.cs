using System.CommandLine;
using BertServerless.Shared.Monitoring;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl cancel JOB</c>: records a cancel request in the job's status. The worker stops at the next step, uploads a
/// checkpoint and records Cancelled (a job not training yet is cancelled when it reaches the worker); <c>bertsl resume</c> continues it.
/// </summary>
public static class CancelCommand
{
    public static Command Create() => JobRequestCommand.Create("cancel",
        "Ask the worker to stop a job at its next step, keeping a checkpoint to resume from",
        "Job id, as printed by bertsl upload or bertsl jobs",
        async (requests, jobId, cancellationToken) =>
        {
            switch (await requests.RequestAsync(jobId, cancellationToken))
            {
                case CancelOutcome.NotFound:
                    throw new InvalidOperationException($"No job {jobId}.");
                case CancelOutcome.AlreadyFinished:
                    throw new InvalidOperationException($"Job {jobId} has already finished: nothing to cancel.");
                case CancelOutcome.AlreadyRequested:
                    AnsiConsole.MarkupLineInterpolated($"Job [bold]{jobId}[/]: cancel was already requested.");
                    break;
                default:
                    AnsiConsole.MarkupLineInterpolated($"Job [bold]{jobId}[/]: cancel requested; the worker stops it at its next step and records Cancelled (bertsl logs {jobId} -f to follow).");
                    break;
            }
        });
}
