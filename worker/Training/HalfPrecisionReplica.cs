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
/// The copy's weights and gradients are views of two flat half-precision buffers laid out as the
/// <see cref="FlatAdamW"/>'s, so pulling weights is one copy and pushing gradients one add and one zero: per
/// parameter they were about 600 small ops a step for base, 4-5 ms of a 46 ms bf16 step on an H200.
/// </summary>
public sealed class HalfPrecisionReplica : IDisposable
{
    private readonly FlatAdamW _optimizer;
    private readonly Tensor _weights, _grads;

    public BertForPreTraining Model { get; }

    public HalfPrecisionReplica(BertForPreTraining master, ScalarType dtype, FlatAdamW optimizer)
    {
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16)) throw new ArgumentException($"A half-precision replica is bf16 or fp16, not {dtype}.", nameof(dtype));
        _optimizer = optimizer;
        var device = master.parameters().First().device;
        Model = new BertForPreTraining(master.Config) { MaskedOnlyLogits = master.MaskedOnlyLogits, Unpadded = master.Unpadded };
        Model.to(device).to(dtype);
        Model.train(master.training);
        _weights = zeros(optimizer.Weights.numel(), dtype, device).DetachFromDisposeScope();
        _grads = zeros(optimizer.Gradients.numel(), dtype, device).DetachFromDisposeScope();
        optimizer.Mirror(Model.UniqueNamedParameters().ToDictionary(p => p.Name, p => p.Param), _weights, _grads);
        PullWeights();
    }

    /// <summary>Rounds the master weights into the copy; call after every optimizer step.</summary>
    public void PullWeights()
    {
        using var _ = no_grad();
        _weights.copy_(_optimizer.Weights);
    }

    /// <summary>Adds the copy's gradients, in fp32, to the master's (each micro-batch's, so accumulation is in fp32), and clears the copy's.</summary>
    public void PushGradients()
    {
        using var _ = no_grad();
        _optimizer.Gradients.add_(_grads);
        _grads.zero_();
    }

    public void Dispose()
    {
        Model.Dispose();
        _weights.Dispose();
        _grads.Dispose();
    }
}
