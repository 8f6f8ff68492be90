using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void At_warmup_rises_linearly_from_zero()
    {
        var schedule = new LearningRateSchedule(1e-3, WarmupSteps: 10, TotalSteps: 100);

        Assert.Equal(0.0, schedule.At(0));
        Assert.Equal(5e-4, schedule.At(5), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
    }

    [Fact]
    public void At_after_warmup_decays_linearly_to_zero_at_the_end()
    {
        var schedule = new LearningRateSchedule(1e-3, WarmupSteps: 10, TotalSteps: 100);

        Assert.Equal(1e-3 * 80 / 90, schedule.At(20), 12);
        Assert.Equal(1e-3 / 90, schedule.At(99), 12);
        Assert.Equal(0.0, schedule.At(100));
        Assert.Equal(0.0, schedule.At(150));
    }

    [Fact]
    public void WithWarmupRatio_rounds_warmup_up_as_hugging_face_does()
    {
        Assert.Equal(3, LearningRateSchedule.WithWarmupRatio(5e-5, 0.1, 25).WarmupSteps);
        Assert.Equal(0, LearningRateSchedule.WithWarmupRatio(5e-5, 0.0, 25).WarmupSteps);
    }

    [Fact]
    public void At_without_warmup_starts_at_peak()
    {
        var schedule = LearningRateSchedule.WithWarmupRatio(2e-5, 0.0, 4);

        double[] expected = [2e-5, 1.5e-5, 1e-5, 0.5e-5];
        Assert.All(Enumerable.Range(0, 4), step => Assert.Equal(expected[step], schedule.At(step), 15));
    }
}
