using System.CommandLine;
using System.Globalization;
using BertServerless.Cli.Monitoring;
using BertServerless.Shared;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl status</c>: a job's state, progress, results and history, read from <c>jobs/{jobId}/status.json</c>; without a job, the queues and the latest jobs.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var job = new Argument<string?>("JOB") { Description = "Job id, as printed by bertsl upload; without one, the queues and the latest jobs", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print status.json as stored" };
        var connection = new MonitoringConnection();

        var command = new Command("status", "Show a job's status, or the queues and jobs at a glance") { job, json };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            await using var services = connection.Connect(parse);
            if (parse.GetValue(job) is not { } jobId) return await PrintOverviewAsync(services, cancellationToken);
            if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (e.g. meditations-0123456789ab).");
            var status = await services.GetRequiredService<JobStatusStore>().GetAsync(jobId, cancellationToken)
                         ?? throw new InvalidOperationException($"No job {jobId}: nothing at {StorageNames.JobsContainer}/{BlobPaths.Status(jobId)}.");
            if (parse.GetValue(json)) Console.WriteLine(status.ToJson());
            else Print(status);
            return status.State == JobState.Failed ? CliErrors.Failed : CliErrors.Ok;
        }));
        return command;
    }

    /// <summary>Both summaries; the exit code is <c>bertsl queues</c>'s, so a poison message is noticed here too.</summary>
    private static async Task<int> PrintOverviewAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var queues = await services.GetRequiredService<QueueMonitor>().SummarizeAsync(cancellationToken);
        var jobs = await services.GetRequiredService<JobCatalog>().ListAsync(new JobQuery(Limit: 10), cancellationToken);
        TableOutput.Write(QueuesTable.Build(queues));
        TableOutput.Write(JobsTable.Build([.. jobs.Select(JobSummary.From)], DateTimeOffset.UtcNow));
        return QueuesCommand.ExitCode(queues);
    }

    private static void Print(JobStatus status)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        Row("job", status.JobId);
        Row("book", $"{status.Source.Container}/{status.Source.Name} ({status.Source.Bytes:N0} bytes)");
        Row("state", status.State.ToString());
        Row("error", status.Error);
        Row("chunks", status.Chunks?.ToString(CultureInfo.InvariantCulture));
        if (status.PrepStats is { } stats)
            Row("prepared", $"{status.Shards} shard(s), {stats.Sequences:N0} sequences, {stats.Tokens:N0} tokens, {stats.Pairs:N0} pairs");
        // As --set takes them: a value copied from here pastes into bertsl upload --set.
        if (status.Prep is { } prep) Row("prep", Knobs.Describe(prep));
        if (status.Training is { } training) Row("training", Knobs.Describe(training));
        Row("estimate", status.Estimate?.Describe());
        if (status.Progress is { } p) Row("progress", p.Describe());
        Row("checkpoint", status.Result?.CheckpointPrefix is { } prefix ? $"{StorageNames.CheckpointsContainer}/{prefix}" : null);
        AnsiConsole.Write(table);
        EvaluationDisplay.Write(status.Result?.EvalBefore, status.Result?.EvalAfter, status.Result?.ControlBefore, status.Result?.ControlAfter);

        var history = new Table().AddColumns("time (UTC)", "state", "event");
        foreach (var e in status.History)
            history.AddRow(e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.State.ToString(), Markup.Escape(e.Message));
        AnsiConsole.Write(history);
    }
}
