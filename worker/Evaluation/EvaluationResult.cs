using System.Text.Json.Serialization;

namespace BertServerless.Worker.Evaluation;

/// <summary>
/// Pre-training metrics over a whole set of sequences: MLM loss is the mean over every predicted token (not a mean of
/// batch means), NSP loss the mean over every sequence, loss their sum (BERT's objective), perplexity exp(MLM loss).
/// </summary>
public sealed record EvaluationResult(
    [property: JsonPropertyName("mlm_loss")] double MlmLoss,
    [property: JsonPropertyName("nsp_loss")] double NspLoss,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("perplexity")] double Perplexity,
    [property: JsonPropertyName("mlm_accuracy")] double MlmAccuracy,
    [property: JsonPropertyName("nsp_accuracy")] double NspAccuracy,
    [property: JsonPropertyName("sequences")] long Sequences);
