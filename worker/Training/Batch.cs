namespace BertServerless.Worker.Training;

/// <summary>
/// A batch of <see cref="Size"/> sequences cut to <see cref="Length"/> columns, as host arrays in the model's
/// int64 input layout, row-major (Size, Length). Counts of real and predicted tokens ride along for throughput and
/// metrics, so nothing has to be read back from the device to know them.
/// </summary>
public sealed record Batch(
    int Size,
    int Length,
    long[] InputIds,
    long[] TokenTypeIds,
    long[] AttentionMask,
    long[] Labels,
    long[] NextSentenceLabel,
    long RealTokens,
    long PredictedTokens)
{
    /// <summary>Positions in the batch, padding included: what the model actually computes over.</summary>
    public long PaddedTokens => (long)Size * Length;
}
