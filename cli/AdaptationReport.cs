using System.Globalization;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Training;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>
/// <c>bertsl run --adapt</c>'s closing table: the second job's start model (the first job's final one) and its final
/// model, on the second book's held-out text and on the control text. The book's loss should fall; the control's
/// should not climb far.
/// </summary>
public static class AdaptationReport
{
    public static void Write(JobStatus first, JobStatus second)
    {
        var result = second.Result;
        var book = second.Source.Name;
        AnsiConsole.MarkupLineInterpolated($"[bold]Adaptation report[/]: the model trained on {first.Source.Name}, further pre-trained on {book}; control text: The Time Machine");
        var table = new Table().AddColumns("text", "model", "mlm_loss", "perplexity", "mlm_accuracy", "nsp_accuracy");
        void Row(string text, string model, EvaluationResult? r)
        {
            if (r is null) return;
            table.AddRow(Markup.Escape(text), model, Number(r.MlmLoss), Number(r.Perplexity), Number(r.MlmAccuracy), Number(r.NspAccuracy));
        }
        Row("book held-out", "start", result?.EvalBefore);
        Row("book held-out", "final", result?.EvalAfter);
        Row("control text", "start", result?.ControlBefore);
        Row("control text", "final", result?.ControlAfter);
        AnsiConsole.Write(table);
        if (result is { EvalBefore: { } bookStart, EvalAfter: { } bookEnd, ControlBefore: { } controlStart, ControlAfter: { } controlEnd })
            // Plain, so the one line a script greps for is never wrapped.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"book held-out MLM loss {bookStart.MlmLoss:F3} -> {bookEnd.MlmLoss:F3} ({Change(bookStart, bookEnd)}); control {controlStart.MlmLoss:F3} -> {controlEnd.MlmLoss:F3} ({Change(controlStart, controlEnd)})."));
    }

    private static string Change(EvaluationResult start, EvaluationResult end)
        => ((end.MlmLoss - start.MlmLoss) / start.MlmLoss).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
