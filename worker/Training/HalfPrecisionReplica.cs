using TorchSharp;
using BertServerless.Worker.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Mixed precision without autocast (TorchSharp 0.107 has none): forward and backward on a bf16 or fp16 copy of the
/// model, the fp32 master keeping the weights the optimizer updates. For fp16 the loss is scaled
/// (<see cref="DynamicLossScaler"/>) and the pushed gradients are still scaled; the scaler divides them on the master,
/// in fp32, where they cannot overflow. The <see cref="Trainer"/> uses it whenever its <see cref="PrecisionChoice"/> is bf16 or fp16.
/// </summary>
public sealed class HalfPrecisionReplica : IDisposable
{
    private readonly (Parameter Master, Parameter Copy)[] _pairs;

    public BertForPreTraining Model { get; }

    public HalfPrecisionReplica(BertForPreTraining master, ScalarType dtype)
    {
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16)) throw new ArgumentException($"A half-precision replica is bf16 or fp16, not {dtype}.", nameof(dtype));
        Model = new BertForPreTraining(master.Config) { MaskedOnlyLogits = master.MaskedOnlyLogits, Unpadded = master.Unpadded };
        Model.to(master.parameters().First().device).to(dtype);
        Model.train(master.training);
        var copies = Model.UniqueNamedParameters().ToDictionary(p => p.Name, p => p.Param);
        _pairs = [.. master.UniqueNamedParameters().Select(p => (p.Param, copies[p.Name]))];
        PullWeights();
    }

    /// <summary>Rounds the master weights into the copy; call after every optimizer step.</summary>
    public void PullWeights()
    {
        using var _ = no_grad();
        foreach (var (master, copy) in _pairs) copy.copy_(master);
    }

    /// <summary>Adds the copy's gradients, in fp32, to the master's (in place, so a <see cref="FlatAdamW"/> buffer keeps them), and clears the copy's.</summary>
    public void PushGradients()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (master, copy) in _pairs)
        {
            if (copy.grad is not { } grad) continue;
            if (master.grad is { } existing) existing.add_(grad);
            else master.grad = grad.to(ScalarType.Float32);
            grad.zero_();
        }
    }

    public void Dispose() => Model.Dispose();
}
