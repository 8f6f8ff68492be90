using System.CommandLine;
using BertServerless.Shared.Monitoring;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl resume JOB</c>: a cancelled job goes back on the training queue and continues from its latest checkpoint;
/// a cancel the worker has not honoured yet is withdrawn.
/// </summary>
public static class ResumeCommand
{
    public static Command Create() => JobRequestCommand.Create("resume",
        "Continue a cancelled job from its latest checkpoint",
        "Job id of a cancelled job",
        async (requests, jobId, cancellationToken) =>
        {
            switch (await requests.ResumeAsync(jobId, cancellationToken))
            {
                case ResumeOutcome.NotFound:
                    throw new InvalidOperationException($"No job {jobId}.");
                case ResumeOutcome.NotCancelled:
                    throw new InvalidOperationException($"Job {jobId} is not cancelled: nothing to resume.");
                case ResumeOutcome.RequestWithdrawn:
                    AnsiConsole.MarkupLineInterpolated($"Job [bold]{jobId}[/]: the cancel request is withdrawn before the worker acted on it; the job goes on.");
                    break;
                default:
                    AnsiConsole.MarkupLineInterpolated($"Job [bold]{jobId}[/]: resumed; it is back on the training queue and continues from its latest checkpoint.");
                    break;
            }
        });
}
