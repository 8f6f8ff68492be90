namespace BertServerless.Shared.Monitoring;

/// <summary>
/// One line of <c>jobs/{jobId}/metrics.jsonl</c>: the trainer's averages over the log interval ending at
/// <paramref name="Step"/>, as the worker reported them. A loss that was not finite is absent.
/// </summary>
public sealed record JobMetricsPoint(
    DateTimeOffset Time,
    long Step,
    double? Loss,
    double? MlmLoss,
    double? NspLoss,
    double? MlmAccuracy,
    double? NspAccuracy,
    double? LearningRate,
    double? TokensPerSecond);
