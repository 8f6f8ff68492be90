using BertServerless.Worker.Training;
using ScottPlot;

namespace BertServerless.Worker.Reporting;

/// <summary>
/// <c>loss.png</c>: MLM and NSP loss over the steps on the left axis, the learning rate on the right, drawn with
/// ScottPlot from a run's loss history, for people who look at a curve rather than read a table.
/// </summary>
public static class LossPlot
{
    private const int Width = 900;
    private const int Height = 500;

    /// <summary>Writes the plot of <paramref name="history"/> to <paramref name="path"/>; a history with no entry gives an empty frame, not an error.</summary>
    public static void Save(IReadOnlyList<TrainingMetrics> history, string title, string path)
    {
        using var plot = new Plot();
        double[] steps = [.. history.Select(m => (double)m.Step)];
        AddLine(plot, steps, [.. history.Select(m => m.MlmLoss)], "MLM loss", Colors.C0);
        AddLine(plot, steps, [.. history.Select(m => m.NspLoss)], "NSP loss", Colors.C1);
        var learningRate = AddLine(plot, steps, [.. history.Select(m => m.LearningRate)], "learning rate", Colors.Gray);
        learningRate.LinePattern = LinePattern.Dashed;
        learningRate.Axes.YAxis = plot.Axes.Right;

        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "learning rate";
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    private static ScottPlot.Plottables.Scatter AddLine(Plot plot, double[] steps, double[] values, string label, Color color)
    {
        // A diverged loss is NaN or infinite; it is left out rather than stretching the axis to nothing.
        double[] finite = [.. values.Select(v => double.IsFinite(v) ? v : double.NaN)];
        var line = plot.Add.ScatterLine(steps, finite, color);
        line.LegendText = label;
        line.LineWidth = 2;
        return line;
    }
}
