using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Global-norm gradient clipping that stays on the device. libtorch's <c>clip_grad_norm_</c> returns the norm as a
/// double, which waits for the GPU every step; this returns it as a tensor to be read at log time.
/// </summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients by min(1, maxNorm / (norm + 1e-6)), PyTorch's formula; returns the norm before clipping.</summary>
    public static Tensor ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        using var _ = no_grad();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        var norm = linalg.vector_norm(stack(grads.Select(g => linalg.vector_norm(g.to(ScalarType.Float32), 2))), 2);
        if (maxNorm <= 0) return norm;
        var scale = (maxNorm / (norm + 1e-6)).clamp_max(1.0);
        foreach (var grad in grads) grad.mul_(scale.to(grad.dtype));
        return norm;
    }
}
