using BertServerless.Shared.Training;

namespace BertServerless.Worker.Training;

/// <summary>What one <see cref="TrainingJob.Run"/> produced: how the loop ended, and the evaluation it wrote to eval.json.</summary>
public sealed record TrainingRun(TrainingOutcome Outcome, EvaluationReport Evaluation);
