using System.Globalization;
using BertServerless.Shared.Training;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>
/// The adaptation report as one table, for <c>bertsl run</c>, <c>train</c> and <c>status</c>: the start and the final
/// model on the book's held-out sequences and on the control text.
/// </summary>
public static class EvaluationDisplay
{
    public static void Write(EvaluationResult? before, EvaluationResult? after, EvaluationResult? controlBefore = null, EvaluationResult? controlAfter = null)
    {
        if (before is null && after is null && controlBefore is null && controlAfter is null) return;
        var withControl = controlBefore is not null || controlAfter is not null;
        var table = new Table().AddColumns("held-out sequences", "before", "after");
        if (withControl) table.AddColumns("control before", "control after");
        void Row(string name, Func<EvaluationResult, double> metric)
        {
            string[] cells = [name, Format(before, metric), Format(after, metric)];
            table.AddRow(withControl ? [.. cells, Format(controlBefore, metric), Format(controlAfter, metric)] : cells);
        }
        Row("mlm_loss", r => r.MlmLoss);
        Row("perplexity", r => r.Perplexity);
        Row("mlm_accuracy", r => r.MlmAccuracy);
        Row("nsp_loss", r => r.NspLoss);
        Row("nsp_accuracy", r => r.NspAccuracy);
        Row("sequences", r => r.Sequences);
        AnsiConsole.Write(table);
    }

    private static string Format(EvaluationResult? result, Func<EvaluationResult, double> metric)
        => result is null ? "-" : metric(result).ToString("0.####", CultureInfo.InvariantCulture);
}
