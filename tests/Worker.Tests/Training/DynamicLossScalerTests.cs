using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class DynamicLossScalerTests
{
    [Fact]
    public void UnscaleAndUpdate_finiteGradients_dividesByScaleAndSteps()
    {
        var scaler = new DynamicLossScaler(initialScale: 1024);
        using var gradient = tensor(new float[] { 2048f, -512f });

        Assert.True(scaler.UnscaleAndUpdate([gradient]));

        Assert.Equal([2f, -0.5f], gradient.data<float>().ToArray());
        Assert.Equal(1024, scaler.Scale);
        Assert.Equal(1, scaler.CleanSteps);
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.NaN)]
    public void UnscaleAndUpdate_nonFiniteGradient_skipsAndHalvesScale(float bad)
    {
        var scaler = new DynamicLossScaler(initialScale: 1024);
        using var clean = tensor(new float[] { 1f, 2f });
        using var overflowed = tensor(new float[] { 3f, bad });
        Assert.True(scaler.UnscaleAndUpdate([clean, tensor(new float[] { 1f })]));

        Assert.False(scaler.UnscaleAndUpdate([clean, overflowed]));

        Assert.Equal(512, scaler.Scale);
        Assert.Equal(0, scaler.CleanSteps);
        Assert.Equal(1, scaler.SkippedSteps);
        Assert.Equal(1f / 1024, clean[0].item<float>()); // a skipped step leaves the gradients as they were, for zeroing
    }

    [Fact]
    public void UnscaleAndUpdate_growthIntervalCleanSteps_doublesScale()
    {
        var scaler = new DynamicLossScaler(initialScale: 8, growthInterval: 3);
        for (var step = 0; step < 2; step++)
        {
            using var gradient = ones(2);
            scaler.UnscaleAndUpdate([gradient]);
        }
        Assert.Equal(8, scaler.Scale);

        using var third = ones(2);
        scaler.UnscaleAndUpdate([third]);

        Assert.Equal(16, scaler.Scale);
        Assert.Equal(0, scaler.CleanSteps);
    }

    [Fact]
    public void UnscaleAndUpdate_repeatedOverflow_stopsAtMinimumScale()
    {
        var scaler = new DynamicLossScaler(initialScale: 4, minScale: 1);
        for (var step = 0; step < 5; step++)
        {
            using var gradient = tensor(new float[] { float.PositiveInfinity });
            Assert.False(scaler.UnscaleAndUpdate([gradient]));
        }
        Assert.Equal(1, scaler.Scale);
        Assert.Equal(5, scaler.SkippedSteps);
    }

    [Fact]
    public void Resume_savedScaleAndCount_growsWhenTheOriginalWould()
    {
        var scaler = DynamicLossScaler.Resume(new LossScalerState(Scale: 256, CleanSteps: 1999, SkippedSteps: 3));
        using var gradient = ones(1);

        scaler.UnscaleAndUpdate([gradient]);

        Assert.Equal(new LossScalerState(512, 0, 3), scaler.State);
    }

    [Fact]
    public void ScaleLoss_multipliesByScale()
    {
        var scaler = new DynamicLossScaler(initialScale: 64);
        using var loss = tensor(0.5f);
        using var scaled = scaler.ScaleLoss(loss);
        Assert.Equal(32f, scaled.item<float>());
    }
}
