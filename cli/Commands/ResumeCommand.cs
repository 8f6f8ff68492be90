using System.CommandLine;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl resume JOB</c>: a cancelled job goes back on the training queue and continues from its latest checkpoint;
/// a cancel the worker has not honoured yet is withdrawn.
/// </summary>
public static class ResumeCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("JOB") { Description = "Job id of a cancelled job" };
        var connection = new MonitoringConnection();

        var command = new Command("resume", "Continue a cancelled job from its latest checkpoint") { job };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var jobId = parse.GetValue(job)!;
            if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (e.g. meditations-0123456789ab).");
            await using var services = connection.Connect(parse);
            switch (await services.GetRequiredService<CancelRequests>().ResumeAsync(jobId, cancellationToken))
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
            return CliErrors.Ok;
        }));
        return command;
    }
}
