using System.Globalization;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Spectre.Console;

namespace BertServerless.Cli.Monitoring;

/// <summary>The <c>bertsl jobs</c> table: one row per job, as the dashboard's.</summary>
public static class JobsTable
{
    public static Table Build(IReadOnlyList<JobSummary> jobs, DateTimeOffset now)
    {
        var table = new Table().AddColumns("job", "book", "state", "step", "loss", "mlm acc", "tokens/s", "eta", "estimate", "age", "error");
        foreach (var column in table.Columns.Skip(3).Take(7)) column.RightAligned();
        foreach (var job in jobs)
            table.AddRow(
                Markup.Escape(job.JobId),
                Markup.Escape(job.Book),
                State(job),
                job.TotalSteps is > 0 ? $"{job.Step}/{job.TotalSteps}" : "",
                Number(job.Loss, "F4"),
                Number(job.MlmAccuracy, "F3"),
                Number(job.TokensPerSecond, "N0"),
                job.State == JobState.Training ? Duration(job.EtaSeconds) : "",
                Estimate(job),
                Duration((now - job.Created).TotalSeconds),
                job.Error is null ? "" : $"[red]{Markup.Escape(job.Error)}[/]");
        if (jobs.Count == 0) table.Caption("no jobs");
        return table;
    }

    /// <summary>A short duration: 45s, 12m05s, 3h07m, 2d04h.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } value || !double.IsFinite(value)) return "";
        var s = (long)Math.Max(0, Math.Round(value));
        return s switch
        {
            < 60 => $"{s}s",
            < 3600 => $"{s / 60}m{s % 60:D2}s",
            < 86400 => $"{s / 3600}h{s % 3600 / 60:D2}m",
            _ => $"{s / 86400}d{s % 86400 / 3600:D2}h",
        };
    }

    private static string State(JobSummary job)
    {
        var name = job.State.ToString() + (job.CancelRequested && job.State != JobState.Cancelled ? " (cancel requested)" : "");
        return job.State switch
        {
            JobState.Failed => $"[red]{name}[/]",
            JobState.Succeeded => $"[green]{name}[/]",
            JobState.Training => $"[blue]{name}[/]",
            JobState.Cancelled => $"[darkorange]{name}[/]",
            _ => name,
        };
    }

    /// <summary>The worker's estimate of the training time, and its cost where the worker has prices: 17m00s, 0.40 USD.</summary>
    private static string Estimate(JobSummary job)
        => Duration(job.EstimateSeconds) + (job.EstimateCost is { } cost ? string.Create(CultureInfo.InvariantCulture, $", {cost:F2} {job.Currency}") : "");

    private static string Number(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "";
}
