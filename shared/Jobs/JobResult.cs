using BertServerless.Shared.Training;

namespace BertServerless.Shared.Jobs;

/// <summary>status.json's <c>result</c>: where the trained model is (a checkpoints-container prefix) and how it scored before and after.</summary>
public sealed class JobResult
{
    public string? CheckpointPrefix { get; set; }
    public EvaluationResult? EvalBefore { get; set; }
    public EvaluationResult? EvalAfter { get; set; }
}
