using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;

namespace BertServerless.Worker.Training;

/// <summary>One progress report of a running training, published at each log interval.</summary>
/// <param name="Epoch">Epochs completed, fractional as in Hugging Face logs.</param>
/// <param name="Metrics">The averages over the last log interval.</param>
/// <param name="TokensPerSecond">Real (non-padding) tokens trained on per second over the last log interval.</param>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    double Epoch,
    TrainingMetrics Metrics,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan Remaining)
{
    /// <summary>The job status's view of this report, which is also what every progress display formats.</summary>
    public JobProgress ToJobProgress() => new()
    {
        Step = Step,
        TotalSteps = TotalSteps,
        Epoch = Finite(Epoch),
        Loss = Finite(Metrics.Loss),
        MlmLoss = Finite(Metrics.MlmLoss),
        NspLoss = Finite(Metrics.NspLoss),
        MlmAccuracy = Finite(Metrics.MlmAccuracy),
        NspAccuracy = Finite(Metrics.NspAccuracy),
        LearningRate = Finite(Metrics.LearningRate),
        GradNorm = Finite(Metrics.GradNorm),
        TokensPerSecond = Finite(TokensPerSecond),
        EtaSeconds = Finite(Remaining.TotalSeconds),
    };

    /// <summary>This report as a line of the job's metrics log (<c>metrics.jsonl</c>), the history behind the loss curve.</summary>
    public JobMetricsPoint ToMetricsPoint(DateTimeOffset time) => new(
        time, Step, Finite(Metrics.Loss), Finite(Metrics.MlmLoss), Finite(Metrics.NspLoss),
        Finite(Metrics.MlmAccuracy), Finite(Metrics.NspAccuracy), Finite(Metrics.LearningRate), Finite(TokensPerSecond));

    // JSON has no NaN: a diverged loss is shown as absent rather than failing every status write.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
