using BertServerless.Shared.Shards;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Training;

public class TrainingPhasesTests
{
    [Theory]
    [InlineData(100, 0.1, 90)]
    [InlineData(10, 0.5, 5)]
    [InlineData(10, 0.01, 9)] // a fraction set gets at least one step
    [InlineData(10, 0.99, 1)] // and leaves the first phase at least one
    [InlineData(10, 0.0, 10)]
    [InlineData(1, 0.5, 1)] // one step cannot be shared
    public void For_puts_the_last_fraction_of_steps_in_phase_2(int totalSteps, double fraction, int phase2Start)
    {
        var phases = TrainingPhases.For(totalSteps, fraction);

        Assert.Equal(phase2Start, phases.Phase2Start);
        Assert.Equal(TrainingPhase.First, phases.At(phase2Start - 1));
        Assert.Equal(phase2Start < totalSteps ? TrainingPhase.Second : TrainingPhase.First, phases.At(Math.Min(phase2Start, totalSteps - 1)));
    }
}
