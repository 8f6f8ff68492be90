using System.CommandLine;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Cli.Commands;

/// <summary>
/// A command that takes one job id and asks something of that job through <see cref="CancelRequests"/> (<c>bertsl
/// cancel</c>, <c>bertsl resume</c>): the argument, the storage connection, the job-id check and the error handling,
/// so each command says only what it asks and how it answers.
/// </summary>
internal static class JobRequestCommand
{
    public static Command Create(string name, string description, string jobDescription, Func<CancelRequests, string, CancellationToken, Task> request)
    {
        var job = new Argument<string>("JOB") { Description = jobDescription };
        var connection = new MonitoringConnection();

        var command = new Command(name, description) { job };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var jobId = parse.GetValue(job)!;
            if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (e.g. meditations-0123456789ab).");
            await using var services = connection.Connect(parse);
            await request(services.GetRequiredService<CancelRequests>(), jobId, cancellationToken);
            return CliErrors.Ok;
        }));
        return command;
    }
}
