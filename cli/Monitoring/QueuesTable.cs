using BertServerless.Shared.Monitoring;
using Spectre.Console;

namespace BertServerless.Cli.Monitoring;

/// <summary>The <c>bertsl queues</c> table: depth and oldest message per queue, a poison queue holding anything in red.</summary>
public static class QueuesTable
{
    public static Table Build(IReadOnlyList<QueueSummary> queues)
    {
        var table = new Table().AddColumns("queue", "depth", "oldest");
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        foreach (var q in queues)
        {
            var name = Markup.Escape(q.Name) + (q.Exists ? "" : " (not created)");
            var depth = q.ApproximateDepth.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var oldest = JobsTable.Duration(q.OldestMessageAgeSeconds);
            if (q.NeedsAttention) table.AddRow($"[bold red]{name}[/]", $"[bold red]{depth}[/]", $"[bold red]{oldest}[/]");
            else table.AddRow(name, depth, oldest);
        }
        return table;
    }
}
