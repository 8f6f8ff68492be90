using BertServerless.Worker.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class GradientClippingTests
{
    private static Parameter[] WithGradients(float[] first, float[] second)
    {
        Parameter[] parameters = [new(zeros(first.Length)), new(zeros(second.Length))];
        parameters[0].grad = tensor(first);
        parameters[1].grad = tensor(second);
        return parameters;
    }

    [Fact]
    public void ClipByGlobalNorm_over_limit_scales_all_gradients_to_it()
    {
        var parameters = WithGradients([3f, 0f], [0f, 4f]); // global norm 5

        using var norm = GradientClipping.ClipByGlobalNorm(parameters, maxNorm: 1.0);

        Assert.Equal(5.0, norm.item<float>(), 5);
        Assert.Equal([0.6f, 0f], parameters[0].grad!.data<float>().ToArray(), new ToleranceComparer(1e-5f));
        Assert.Equal([0f, 0.8f], parameters[1].grad!.data<float>().ToArray(), new ToleranceComparer(1e-5f));
    }

    [Fact]
    public void ClipByGlobalNorm_under_limit_leaves_gradients_alone()
    {
        var parameters = WithGradients([0.3f], [0.4f]);

        using var norm = GradientClipping.ClipByGlobalNorm(parameters, maxNorm: 1.0);

        Assert.Equal(0.5, norm.item<float>(), 5);
        Assert.Equal(0.3f, parameters[0].grad!.item<float>(), 6);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
