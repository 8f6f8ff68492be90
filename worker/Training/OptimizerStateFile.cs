using BertServerless.Shared.SafeTensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// AdamW's per-parameter state as a safetensors file (<c>optimizer.safetensors</c>): for each parameter name,
/// <c>{name}.exp_avg</c> and <c>{name}.exp_avg_sq</c> (fp32, the parameter's shape) and <c>{name}.step</c> (int64 scalar).
/// Keyed by name rather than position so a file cannot be silently applied to the wrong parameters.
/// </summary>
public static class OptimizerStateFile
{
    public static void Save(AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order, string path)
    {
        var states = States(optimizer, order);
        var tensors = new List<SafeTensor>();
        for (var i = 0; i < order.Count; i++)
        {
            var (name, _) = order[i];
            tensors.Add(Float32(name + ".exp_avg", states[i].exp_avg));
            tensors.Add(Float32(name + ".exp_avg_sq", states[i].exp_avg_sq));
            tensors.Add(SafeTensor.FromSpan<long>(name + ".step", SafeTensorsDType.I64, [], [states[i].step]));
        }
        new SafeTensorsFile(tensors, new Dictionary<string, string> { ["optimizer"] = "AdamW" }).Write(path);
    }

    public static void Load(AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Optimizer state '{path}' is missing: the checkpoint cannot be resumed exactly.", path);
        var file = SafeTensorsFile.Read(path);
        var states = States(optimizer, order);
        using var _ = no_grad();
        for (var i = 0; i < order.Count; i++)
        {
            var (name, param) = order[i];
            Restore(states[i].exp_avg, Read(file, name + ".exp_avg", param));
            Restore(states[i].exp_avg_sq, Read(file, name + ".exp_avg_sq", param));
            states[i].step = Read(file, name + ".step", null).ToArray<long>()[0];
        }
    }

    private static AdamW.State[] States(AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order)
    {
        var states = optimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        return states.Length == order.Count
            ? states
            : throw new InvalidOperationException($"The optimizer holds {states.Length} parameter states, but {order.Count} parameters were named.");
    }

    private static SafeTensor Float32(string name, Tensor tensor)
    {
        using var host = tensor.detach().to(ScalarType.Float32).cpu();
        return SafeTensor.FromSpan<float>(name, SafeTensorsDType.F32, host.shape, host.data<float>().ToArray());
    }

    private static SafeTensor Read(SafeTensorsFile file, string name, Parameter? like)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"Optimizer state has no '{name}': it was saved for a different model.");
        var tensor = file[name];
        if (like is not null && !tensor.Shape.SequenceEqual(like.shape))
            throw new InvalidDataException($"Optimizer state '{name}' has shape [{string.Join(", ", tensor.Shape)}], the parameter [{string.Join(", ", like.shape)}].");
        return tensor;
    }

    private static void Restore(Tensor target, SafeTensor saved)
    {
        using var values = tensor(saved.ToArray<float>(), saved.Shape);
        target.copy_(values);
    }
}
