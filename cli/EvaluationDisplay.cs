using System.Globalization;
using BertServerless.Shared.Training;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>Held-out metrics before and after training as one table, for <c>bertsl run</c>, <c>train</c> and <c>status</c>.</summary>
public static class EvaluationDisplay
{
    public static void Write(EvaluationResult? before, EvaluationResult? after)
    {
        if (before is null && after is null) return;
        var table = new Table().AddColumns("held-out sequences", "before", "after");
        void Row(string name, Func<EvaluationResult, double> metric)
            => table.AddRow(name, Format(before, metric), Format(after, metric));
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
