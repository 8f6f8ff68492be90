using BertServerless.Shared.SafeTensors;
using BertServerless.Worker.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// AdamW's per-parameter state as a safetensors file (<c>optimizer.safetensors</c>): for each parameter name,
/// <c>{name}.exp_avg</c> and <c>{name}.exp_avg_sq</c> (fp32, the parameter's shape) and <c>{name}.step</c> (int64 scalar).
/// Keyed by name rather than position so a file cannot be silently applied to the wrong parameters. TorchSharp's
/// <see cref="AdamW"/> and <see cref="FlatAdamW"/> write and read the same file, so either resumes from the other's.
/// </summary>
public static class OptimizerStateFile
{
    /// <summary>One parameter's moments, named as the file names them.</summary>
    public sealed record Moments(string Name, Parameter Param, Tensor ExpAvg, Tensor ExpAvgSq);

    public static void Save(AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order, string path)
    {
        var states = States(optimizer, order);
        Write(path, [.. order.Select((p, i) => (new Moments(p.Name, p.Param, states[i].exp_avg, states[i].exp_avg_sq), states[i].step))]);
    }

    public static void Load(AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order, string path)
    {
        var states = States(optimizer, order);
        var steps = Read(path, [.. order.Select((p, i) => new Moments(p.Name, p.Param, states[i].exp_avg, states[i].exp_avg_sq))]);
        for (var i = 0; i < states.Length; i++) states[i].step = steps[i];
    }

    public static void Write(string path, IReadOnlyList<(Moments Moments, long Step)> parameters)
    {
        var tensors = new List<SafeTensor>();
        foreach (var (moments, step) in parameters)
        {
            tensors.Add(TorchSafeTensors.Float32(moments.Name + ".exp_avg", moments.ExpAvg));
            tensors.Add(TorchSafeTensors.Float32(moments.Name + ".exp_avg_sq", moments.ExpAvgSq));
            tensors.Add(SafeTensor.FromSpan<long>(moments.Name + ".step", SafeTensorsDType.I64, [], [step]));
        }
        new SafeTensorsFile(tensors, new Dictionary<string, string> { ["optimizer"] = "AdamW" }).Write(path);
    }

    /// <summary>Copies the saved moments into <paramref name="into"/>, checking every name and shape, and returns each parameter's step count.</summary>
    public static long[] Read(string path, IReadOnlyList<Moments> into)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Optimizer state '{path}' is missing: the checkpoint cannot be resumed exactly.", path);
        using var file = SafeTensorsFile.Open(path);
        using var _ = no_grad();
        var steps = new long[into.Count];
        for (var i = 0; i < into.Count; i++)
        {
            var moments = into[i];
            Restore(moments.ExpAvg, Find(file, moments.Name + ".exp_avg", SafeTensorsDType.F32, moments.Param));
            Restore(moments.ExpAvgSq, Find(file, moments.Name + ".exp_avg_sq", SafeTensorsDType.F32, moments.Param));
            steps[i] = Find(file, moments.Name + ".step", SafeTensorsDType.I64, null).ToArray<long>().Single();
        }
        return steps;
    }

    private static AdamW.State[] States(AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order)
    {
        var states = optimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        return states.Length == order.Count
            ? states
            : throw new InvalidOperationException($"The optimizer holds {states.Length} parameter states, but {order.Count} parameters were named.");
    }

    private static SafeTensor Find(SafeTensorsFile file, string name, SafeTensorsDType dtype, Parameter? like)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"Optimizer state has no '{name}': it was saved for a different model.");
        var tensor = file[name];
        if (tensor.DType != dtype) throw new InvalidDataException($"Optimizer state '{name}' is {tensor.DType}, expected {dtype}.");
        if (like is not null && !tensor.Shape.SequenceEqual(like.shape))
            throw new InvalidDataException($"Optimizer state '{name}' has shape [{string.Join(", ", tensor.Shape)}], the parameter [{string.Join(", ", like.shape)}].");
        return tensor;
    }

    // Straight into the moment where it is a float32 host tensor of its own (CPU training), through one host copy otherwise.
    private static void Restore(Tensor target, SafeTensor saved)
    {
        if (target.device_type == DeviceType.CPU && target.dtype == ScalarType.Float32 && target.is_contiguous())
        {
            TorchSafeTensors.CopyInto(saved, target);
            return;
        }
        using var host = empty(saved.Shape, ScalarType.Float32);
        TorchSafeTensors.CopyInto(saved, host);
        target.copy_(host);
    }
}
