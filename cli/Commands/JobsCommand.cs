using BertServerless.Shared;
using System.CommandLine;
using System.Text.Json;
using BertServerless.Cli.Monitoring;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl jobs</c>: every job, newest first, with its state and training progress.</summary>
public static class JobsCommand
{
    public static Command Create()
    {
        var state = new Option<string?>("--state") { Description = "Only jobs in this state (queued, preparing, ready_for_training, training, succeeded, failed, cancelled)" };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many jobs", DefaultValueFactory = _ => JobQuery.DefaultLimit };
        var json = new Option<bool>("--json") { Description = "Print the rows as JSON (snake_case, as status.json)" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw every few seconds until Ctrl-C" };
        var connection = new MonitoringConnection();

        var command = new Command("jobs", "List jobs, newest first") { state, limit, json, watch };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var query = new JobQuery(parse.GetValue(state) is { } s ? JobQuery.ParseState(s) : null, parse.GetValue(limit)).Validated();
            if (parse.GetValue(json) && parse.GetValue(watch)) throw new ArgumentException("--json and --watch do not go together.");
            await using var services = connection.Connect(parse);
            var catalog = services.GetRequiredService<JobCatalog>();
            async Task<IReadOnlyList<JobSummary>> ReadAsync(CancellationToken token)
                => [.. (await catalog.ListAsync(query, token)).Select(JobSummary.From)];

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(await ReadAsync(cancellationToken), DocumentJson.Options));
                return 0;
            }
            if (parse.GetValue(watch))
                return await LiveView.RunAsync(async token => (JobsTable.Build(await ReadAsync(token), DateTimeOffset.UtcNow), 0), cancellationToken);
            TableOutput.Write(JobsTable.Build(await ReadAsync(cancellationToken), DateTimeOffset.UtcNow));
            return 0;
        }));
        return command;
    }
}
