using System.Text.Json.Nodes;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// What a finished training left: the checkpoints-container prefix of the final Hugging Face checkpoint, and the
/// evaluation before and after as free-form JSON objects (the worker decides their fields).
/// </summary>
public sealed class TrainingResult
{
    public string? CheckpointPrefix { get; set; }
    public JsonObject? EvalBefore { get; set; }
    public JsonObject? EvalAfter { get; set; }
}
