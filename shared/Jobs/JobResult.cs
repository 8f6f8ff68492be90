using BertServerless.Shared.Training;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// status.json's <c>result</c>: where the trained model is (a checkpoints-container prefix) and how the start and the
/// final model scored on the book's held-out text and on the control text (eval.json's adaptation report).
/// </summary>
public sealed class JobResult
{
    public string? CheckpointPrefix { get; set; }
    public EvaluationResult? EvalBefore { get; set; }
    public EvaluationResult? EvalAfter { get; set; }
    public EvaluationResult? ControlBefore { get; set; }
    public EvaluationResult? ControlAfter { get; set; }
}
