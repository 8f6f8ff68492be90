using BertServerless.Shared;
using System.CommandLine;
using System.Text.Json;
using BertServerless.Cli.Monitoring;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl queues</c>: every queue of the pipeline, poison queues included. Exits <see cref="CliErrors.PoisonMessages"/> when a
/// poison queue holds a message, so a cron job or CI step can alert on it.
/// </summary>
public static class QueuesCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the summaries as JSON" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw every few seconds until Ctrl-C" };
        var connection = new MonitoringConnection();

        var command = new Command("queues", $"Show queue depths; exit {CliErrors.PoisonMessages} when a poison queue is not empty") { json, watch };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            await using var services = connection.Connect(parse);
            var monitor = services.GetRequiredService<QueueMonitor>();
            if (parse.GetValue(watch))
                return await LiveView.RunAsync(async token =>
                {
                    var queues = await monitor.SummarizeAsync(token);
                    return (QueuesTable.Build(queues), ExitCode(queues));
                }, cancellationToken);

            var summaries = await monitor.SummarizeAsync(cancellationToken);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(summaries, DocumentJson.Options));
            else TableOutput.Write(QueuesTable.Build(summaries));
            return ExitCode(summaries);
        }));
        return command;
    }

    public static int ExitCode(IEnumerable<QueueSummary> queues) => queues.Any(q => q.NeedsAttention) ? CliErrors.PoisonMessages : CliErrors.Ok;
}
