using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training, as PyTorch's GradScaler does it (TorchSharp has none): the loss is multiplied
/// by <see cref="Scale"/> before backward so small fp16 gradients do not flush to zero; the fp32 master gradients are
/// divided by it again before clipping. A step whose gradients hold an inf or NaN overflowed: it is skipped and the
/// scale halved; after <see cref="GrowthInterval"/> clean steps in a row the scale doubles, probing for headroom.
/// Deciding to skip reads one flag back from the device per step, as GradScaler's own step does.
/// </summary>
public sealed class DynamicLossScaler(double initialScale = 65536, double growthFactor = 2, double backoffFactor = 0.5, int growthInterval = 2000, double minScale = 1)
{
    public double Scale { get; private set; } = initialScale;

    public int GrowthInterval { get; } = growthInterval;

    /// <summary>Clean steps since the scale last changed; with <see cref="Scale"/>, all a resumed run needs.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Steps skipped for overflow since construction.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>What a checkpoint keeps of the scaler, so a resumed run scales, skips and grows as the uninterrupted one would.</summary>
    public LossScalerState State => new(Scale, CleanSteps, SkippedSteps);

    /// <summary>The scaler where a checkpoint left it.</summary>
    public static DynamicLossScaler Resume(LossScalerState state) => new(state.Scale) { CleanSteps = state.CleanSteps, SkippedSteps = state.SkippedSteps };

    public Tensor ScaleLoss(Tensor loss) => loss * Scale;

    /// <summary>
    /// Divides the gradients by the scale in place and updates the scale; returns true when they are all finite and
    /// the optimizer should step, false when the step must be skipped (the caller still zeroes the gradients).
    /// One flat gradient buffer (<see cref="FlatAdamW.Gradients"/>) makes the check a single reduction.
    /// </summary>
    public bool UnscaleAndUpdate(IReadOnlyList<Tensor> gradients)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var finite = stack(gradients.Select(g => isfinite(g).all())).all().item<bool>(); // the one sync per step
        if (!finite)
        {
            Scale = Math.Max(minScale, Scale * backoffFactor);
            CleanSteps = 0;
            SkippedSteps++;
            return false;
        }
        foreach (var gradient in gradients) gradient.mul_(1 / Scale);
        if (++CleanSteps == GrowthInterval)
        {
            Scale *= growthFactor;
            CleanSteps = 0;
        }
        return true;
    }
}
