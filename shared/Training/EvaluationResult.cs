namespace BertServerless.Shared.Training;

/// <summary>
/// Pre-training metrics over a whole set of sequences: MLM loss is the mean over every predicted token (not a mean of
/// batch means), NSP loss the mean over every sequence, loss their sum (BERT's objective), perplexity exp(MLM loss).
/// The same record in eval.json, in status.json's result and in <c>bertsl eval</c>'s output.
/// </summary>
public sealed record EvaluationResult(
    double MlmLoss,
    double NspLoss,
    double Loss,
    double Perplexity,
    double MlmAccuracy,
    double NspAccuracy,
    long Sequences);
