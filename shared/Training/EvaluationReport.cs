namespace BertServerless.Shared.Training;

/// <summary>
/// <c>eval.json</c>, beside the final checkpoint: the held-out metrics before and after training (null without
/// held-out sequences, and <see cref="After"/> also when training was cancelled) and the shards they come from.
/// </summary>
public sealed record EvaluationReport(EvaluationResult? Before, EvaluationResult? After, IReadOnlyList<string> EvalShards)
{
    public void Save(string path) => DocumentJson.Write(path, this);

    public static EvaluationReport Parse(string json, string source) => DocumentJson.Parse<EvaluationReport>(json, source, "evaluation report");
}
