using BertServerless.Shared.Shards;
using BertServerless.Worker.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>Moves a host <see cref="Batch"/> onto the device as the model's inputs, labels included.</summary>
public static class BatchTensors
{
    public static BertInputs ToInputs(this Batch batch, Device device)
    {
        long[] shape = [batch.Size, batch.Length];
        return new BertInputs(
            OnDevice(batch.InputIds, shape, device),
            OnDevice(batch.TokenTypeIds, shape, device),
            OnDevice(batch.AttentionMask, shape, device),
            OnDevice(batch.Labels, shape, device),
            OnDevice(batch.NextSentenceLabel, [batch.Size], device),
            OnDevice(PredictedPositions(batch), [batch.PredictedTokens], device));
    }

    /// <summary>
    /// On CUDA through pinned (page-locked) host memory with a non-blocking copy, so the host queues the copy and goes
    /// on rather than waiting for it (a copy from pageable memory is staged and synchronous). The pinned buffer comes
    /// from libtorch's caching host allocator, which reuses it only once the copy that reads it has finished, so it
    /// may be disposed here at once.
    /// </summary>
    private static Tensor OnDevice(long[] values, long[] shape, Device device)
    {
        if (device.type != DeviceType.CUDA) return tensor(values, shape, device: device);
        using var host = tensor(values, shape);
        using var pinned = host.pin_memory();
        return pinned.to(device, non_blocking: true);
    }

    private static long[] PredictedPositions(Batch batch)
    {
        var positions = new long[batch.PredictedTokens];
        var next = 0;
        for (var i = 0; i < batch.Labels.Length; i++)
            if (batch.Labels[i] != ShardFormat.IgnoreLabel) positions[next++] = i;
        return positions;
    }
}
