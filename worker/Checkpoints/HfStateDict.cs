using System.Collections;
using System.Text.Json.Nodes;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BertServerless.Worker.Checkpoints;

/// <summary>
/// Reads the tensors of a Hugging Face model directory in any of its layouts (model.safetensors, sharded
/// safetensors with model.safetensors.index.json, pytorch_model.bin) as float32 CPU tensors, and converts
/// a <see cref="SafeTensor"/> to a <see cref="Tensor"/>.
/// </summary>
internal static class HfStateDict
{
    /// <summary>Stored names as they are (gamma/beta, buffers and all); mapping them is <see cref="HfCheckpoint"/>'s job.</summary>
    public static Dictionary<string, Tensor> Read(string modelDir)
    {
        var single = Path.Combine(modelDir, CheckpointLayout.WeightsFile);
        if (File.Exists(single)) return FromSafeTensors(single);

        var index = Path.Combine(modelDir, CheckpointLayout.ShardedWeightsIndexFile);
        if (File.Exists(index)) return FromShards(modelDir, index);

        var pickle = Path.Combine(modelDir, CheckpointLayout.PickleWeightsFile);
        if (File.Exists(pickle)) return FromPickle(pickle);

        throw new FileNotFoundException(
            $"No weights in '{modelDir}': expected {CheckpointLayout.WeightsFile}, {CheckpointLayout.ShardedWeightsIndexFile} or {CheckpointLayout.PickleWeightsFile}.");
    }

    public static Tensor ToTensor(SafeTensor stored)
    {
        var dtype = stored.DType switch
        {
            SafeTensorsDType.F32 => ScalarType.Float32,
            SafeTensorsDType.F16 => ScalarType.Float16,
            SafeTensorsDType.BF16 => ScalarType.BFloat16,
            SafeTensorsDType.F64 => ScalarType.Float64,
            SafeTensorsDType.I64 => ScalarType.Int64,
            _ => throw new InvalidDataException($"Tensor '{stored.Name}' has dtype {stored.DType}, which a BERT checkpoint does not use."),
        };
        var tensor = empty(stored.Shape, dtype);
        TorchSafeTensors.CopyInto(stored, tensor);
        return dtype == ScalarType.Int64 ? tensor : tensor.to(ScalarType.Float32);
    }

    private static Dictionary<string, Tensor> FromSafeTensors(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Tensors.ToDictionary(t => t.Name, ToTensor);
    }

    private static Dictionary<string, Tensor> FromShards(string modelDir, string indexPath)
    {
        var weightMap = (JsonNode.Parse(File.ReadAllText(indexPath))?["weight_map"] as JsonObject)
                        ?? throw new InvalidDataException($"'{indexPath}' has no weight_map object.");
        var tensors = new Dictionary<string, Tensor>();
        foreach (var shard in weightMap.Select(e => e.Value!.GetValue<string>()).Distinct())
            foreach (var (name, tensor) in FromSafeTensors(Path.Combine(modelDir, shard))) tensors[name] = tensor;
        var unlisted = weightMap.Select(e => e.Key).Where(name => !tensors.ContainsKey(name)).ToArray();
        return unlisted.Length == 0 ? tensors
            : throw new InvalidDataException($"'{indexPath}' lists tensors its shards do not hold: {string.Join(", ", unlisted)}.");
    }

    private static Dictionary<string, Tensor> FromPickle(string path)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in PyTorchUnpickler.UnpickleStateDict(path))
        {
            var tensor = (Tensor)entry.Value!;
            tensors[(string)entry.Key] = tensor.is_floating_point() ? tensor.to(ScalarType.Float32) : tensor;
        }
        return tensors;
    }
}
