namespace BertServerless.Worker.Training;

/// <summary>
/// Linear warmup from 0 to the peak LR, then linear decay to 0 at the last step: Hugging Face's
/// <c>get_linear_schedule_with_warmup</c>, as a pure function of the step so a resumed run needs no scheduler state.
/// </summary>
public sealed record LearningRateSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>Warmup length as Hugging Face rounds it: ceil(ratio × total).</summary>
    public static LearningRateSchedule WithWarmupRatio(double peakLearningRate, double warmupRatio, int totalSteps)
        => new(peakLearningRate, (int)Math.Ceiling(warmupRatio * totalSteps), totalSteps);

    /// <summary>The LR for optimizer step <paramref name="step"/> (0-based: the first update uses step 0).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakLearningRate * step / WarmupSteps;
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        return PeakLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / decaySteps);
    }
}
