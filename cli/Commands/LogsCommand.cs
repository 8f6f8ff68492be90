using System.CommandLine;
using System.Globalization;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl logs JOB</c>: the job's history, one line per event; <c>--follow</c> keeps printing new ones until the job finishes or Ctrl-C.</summary>
public static class LogsCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var job = new Argument<string>("JOB") { Description = "Job id, as printed by bertsl upload or bertsl jobs" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events until the job finishes (or Ctrl-C)" };
        var connection = new MonitoringConnection();

        var command = new Command("logs", "Print a job's history") { job, follow };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var jobId = parse.GetValue(job)!;
            if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (e.g. meditations-0123456789ab).");
            await using var services = connection.Connect(parse);
            var catalog = services.GetRequiredService<JobCatalog>();
            var shown = 0;
            while (true)
            {
                var status = await catalog.GetAsync(jobId, cancellationToken) ?? throw new InvalidOperationException($"No job {jobId}.");
                foreach (var e in status.History.Skip(shown))
                    Console.WriteLine($"{e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {e.State,-16}  {e.Message}");
                shown = status.History.Count;
                if (!parse.GetValue(follow) || status.IsFinished) return status.State == JobState.Failed ? CliErrors.Failed : CliErrors.Ok;
                try
                {
                    await Task.Delay(PollInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return CliErrors.Ok; // Ctrl-C ends a follow, as tail -f
                }
            }
        }));
        return command;
    }
}
