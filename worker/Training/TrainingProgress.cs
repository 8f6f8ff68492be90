using System.Globalization;

namespace BertServerless.Worker.Training;

/// <summary>
/// One report of a running training job, published at each log interval and when a checkpoint is written: what
/// the console shows and what the worker host writes into the job status.
/// </summary>
/// <param name="Epoch">Epochs completed, fractional as in Hugging Face logs.</param>
/// <param name="Metrics">The averages over the last log interval; null before the first one.</param>
/// <param name="TokensPerSecond">Real (non-padding) tokens trained on per second over the last log interval.</param>
/// <param name="Checkpoint">The checkpoint directory written at this step, if one was.</param>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    double Epoch,
    TrainingMetrics? Metrics,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan Remaining,
    string? Checkpoint = null)
{
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;

    /// <summary>One plain log line, for logs and for consoles that are not terminals.</summary>
    public string Describe()
    {
        if (Checkpoint is not null) return $"step {Step}/{TotalSteps} saved {Checkpoint}";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"step {Step}/{TotalSteps} epoch {Epoch:F2}");
        if (Metrics is { } m)
            line += string.Create(CultureInfo.InvariantCulture,
                $" loss {m.Loss:F4} (mlm {m.MlmLoss:F4}, nsp {m.NspLoss:F4}) mlm_acc {m.MlmAccuracy:F3} nsp_acc {m.NspAccuracy:F3} lr {m.LearningRate:E2} grad_norm {m.GradNorm:F2}");
        line += string.Create(CultureInfo.InvariantCulture,
            $" {TokensPerSecond:F0} tok/s elapsed {Elapsed:hh\\:mm\\:ss} eta {Remaining:hh\\:mm\\:ss}");
        return line;
    }
}
