using TorchSharp;
using BertServerless.Worker.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Mixed precision without autocast (TorchSharp has none): forward and backward run on a bfloat16 copy of the model,
/// while the fp32 master keeps the weights the optimizer updates, so small updates are not rounded away. Each step
/// pulls the master weights into the copy and pushes the copy's gradients, cast to fp32, into the master.
/// bfloat16 has fp32's exponent range, so unlike fp16 it needs no loss scaling.
/// </summary>
public sealed class BFloat16Replica : IDisposable
{
    private readonly (Parameter Master, Parameter Copy)[] _pairs;

    public BertForPreTraining Model { get; }

    public BFloat16Replica(BertForPreTraining master)
    {
        var device = master.parameters().First().device;
        Model = new BertForPreTraining(master.Config) { MaskedOnlyLogits = master.MaskedOnlyLogits };
        Model.to(device).to(ScalarType.BFloat16);
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

    /// <summary>Adds the copy's gradients, in fp32, to the master's, and clears the copy's for the next micro-batch.</summary>
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
