namespace BertServerless.Shared.Training;

/// <summary>
/// <c>eval.json</c>, beside the final checkpoint: the adaptation report. <see cref="Before"/> is the start model (the
/// base model, or the fresh preset initialisation, even when the run resumed) and <see cref="After"/> the final one
/// (null when training was cancelled), each on the book's held-out sequences (null without any) and on the control
/// text of general English, so a gain on the book can be weighed against what the model forgot.
/// </summary>
public sealed record EvaluationReport(EvaluationResult? Before, EvaluationResult? After, IReadOnlyList<string> EvalShards)
{
    /// <summary>The start model on the control text.</summary>
    public EvaluationResult? ControlBefore { get; init; }

    /// <summary>The final model on the control text.</summary>
    public EvaluationResult? ControlAfter { get; init; }

    /// <summary>The control text's file name (null when the worker had none to read).</summary>
    public string? ControlText { get; init; }

    public void Save(string path) => DocumentJson.Write(path, this);

    public static EvaluationReport Parse(string json, string source) => DocumentJson.Parse<EvaluationReport>(json, source, "evaluation report");
}
