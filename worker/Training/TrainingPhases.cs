using BertServerless.Shared.Shards;

namespace BertServerless.Worker.Training;

/// <summary>
/// The one rule of two-phase sequence length: the last round(phase2_fraction × total) steps train on the
/// phase2_max_len shards, the others on the max_len shards; at least one step each when a fraction is set and the run
/// has two steps to share. One LR schedule runs over all the steps, across the switch.
/// </summary>
public sealed record TrainingPhases(int TotalSteps, int Phase2Steps)
{
    public static TrainingPhases For(int totalSteps, double phase2Fraction)
    {
        var phase2Steps = phase2Fraction > 0 && totalSteps > 1
            ? Math.Clamp((int)Math.Round(phase2Fraction * totalSteps), 1, totalSteps - 1)
            : 0;
        return new TrainingPhases(totalSteps, phase2Steps);
    }

    /// <summary>The first step (0-based) of the second phase; <see cref="TotalSteps"/> when there is none.</summary>
    public int Phase2Start => TotalSteps - Phase2Steps;

    public TrainingPhase At(int step) => step >= Phase2Start ? TrainingPhase.Second : TrainingPhase.First;
}
