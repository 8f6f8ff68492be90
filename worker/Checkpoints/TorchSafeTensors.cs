using BertServerless.Shared.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Checkpoints;

/// <summary>
/// Moves bytes between <see cref="SafeTensor"/> and TorchSharp tensors without a managed copy of either: a tensor is
/// written into the file from its own storage, and read from the file straight into a tensor's storage, in blocks,
/// because a span (and so <see cref="Tensor.bytes"/>) cannot reach past 2 GB.
/// </summary>
public static class TorchSafeTensors
{
    private const long BlockBytes = 64 << 20;

    /// <summary>A float32 entry that copies <paramref name="tensor"/> (any device, any float dtype) to the host only while the file is written.</summary>
    public static SafeTensor Float32(string name, Tensor tensor)
        => new(name, SafeTensorsDType.F32, tensor.shape, tensor.NumberOfElements * sizeof(float), stream =>
        {
            using var scope = NewDisposeScope();
            tensor.detach().to(ScalarType.Float32).cpu().contiguous().WriteBytesToStream(stream, (int)BlockBytes);
        });

    /// <summary>Fills <paramref name="destination"/>, a contiguous CPU tensor of the same byte size, with <paramref name="stored"/>'s bytes.</summary>
    public static void CopyInto(SafeTensor stored, Tensor destination)
    {
        var elementSize = destination.ElementSize;
        if (destination.device_type != DeviceType.CPU || !destination.is_contiguous() || destination.NumberOfElements * elementSize != stored.ByteLength)
            throw new ArgumentException($"Tensor '{stored.Name}' ({stored.ByteLength} bytes) can only be read into a contiguous CPU tensor of the same size.", nameof(destination));
        using var scope = NewDisposeScope();
        var flat = destination.view(-1);
        var perBlock = BlockBytes / elementSize;
        for (long start = 0; start < destination.NumberOfElements; start += perBlock)
        {
            var count = Math.Min(perBlock, destination.NumberOfElements - start);
            stored.CopyTo(start * elementSize, flat.narrow(0, start, count).bytes);
        }
    }
}
