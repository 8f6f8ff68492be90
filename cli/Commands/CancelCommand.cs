using System.CommandLine;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl cancel JOB</c>: records a cancel request in the job's status. The worker stops at the next step, uploads a
/// checkpoint and records Cancelled (a job not training yet is cancelled when it reaches the worker); <c>bertsl resume</c> continues it.
/// </summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("JOB") { Description = "Job id, as printed by bertsl upload or bertsl jobs" };
        var connection = new MonitoringConnection();

        var command = new Command("cancel", "Ask the worker to stop a job at its next step, keeping a checkpoint to resume from") { job };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var jobId = parse.GetValue(job)!;
            if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (e.g. meditations-0123456789ab).");
            await using var services = connection.Connect(parse);
            switch (await services.GetRequiredService<CancelRequests>().RequestAsync(jobId, cancellationToken))
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
            return CliErrors.Ok;
        }));
        return command;
    }
}
