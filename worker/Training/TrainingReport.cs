using System.Text.Json;
using System.Text.Json.Serialization;
using BertServerless.Worker.Evaluation;

namespace BertServerless.Worker.Training;

/// <summary>
/// What a <see cref="TrainingJob"/> produced: the held-out metrics before and after training (null without held-out
/// shards, and <see cref="After"/> also when cancelled), saved beside the model as <c>eval.json</c>.
/// </summary>
public sealed record TrainingReport(
    [property: JsonIgnore] TrainingOutcome Outcome,
    [property: JsonPropertyName("before")] EvaluationResult? Before,
    [property: JsonPropertyName("after")] EvaluationResult? After,
    [property: JsonPropertyName("eval_shards")] IReadOnlyList<string> EvalShards)
{
    public const string FileName = "eval.json";

    public void Save(string directory)
        => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
}
