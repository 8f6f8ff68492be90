using BertServerless.Shared.Shards;
using BertServerless.Worker.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>Moves a host <see cref="Batch"/> onto the device as the model's inputs, labels included.</summary>
public static class BatchTensors
{
    public static BertInputs ToInputs(this Batch batch, Device device)
    {
        long[] shape = [batch.Size, batch.Length];
        return new BertInputs(
            tensor(batch.InputIds, shape, device: device),
            tensor(batch.TokenTypeIds, shape, device: device),
            tensor(batch.AttentionMask, shape, device: device),
            tensor(batch.Labels, shape, device: device),
            tensor(batch.NextSentenceLabel, [batch.Size], device: device),
            tensor(PredictedPositions(batch), device: device));
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
