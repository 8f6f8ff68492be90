namespace BertServerless.Worker.Training;

/// <summary>
/// The order in which a run visits its sequences: for each epoch, a list of batches of dataset indices, decided by
/// the seed and the epoch number alone, so that a resumed run can rebuild the epoch and skip the batches it has done.
/// </summary>
public sealed class BatchOrder(ShardDataset data, int batchSize, int seed, bool shuffle, bool lengthBucketing)
{
    // Bucketing sorts within windows of this many batches, then shuffles the batches: short padding, yet still
    // random. 50 is the mega-batch of Hugging Face's LengthGroupedSampler.
    private const int BucketWindowBatches = 50;

    private int _cachedEpoch = -1;
    private IReadOnlyList<int[]> _cachedBatches = [];

    public IReadOnlyList<int[]> Epoch(int epoch)
    {
        if (epoch != _cachedEpoch)
        {
            _cachedBatches = Build(epoch);
            _cachedEpoch = epoch;
        }
        return _cachedBatches;
    }

    private int[][] Build(int epoch)
    {
        // System.Random(int) is the legacy generator, stable across .NET versions; HashCode would differ per process.
        var random = new Random(unchecked(seed * 1_000_003 + epoch));
        var indices = Enumerable.Range(0, data.Count).ToArray();
        if (shuffle) random.Shuffle(indices);
        if (!lengthBucketing) return indices.Chunk(batchSize).ToArray();

        var window = batchSize * BucketWindowBatches;
        var batches = indices.Chunk(window)
            .SelectMany(w => w.OrderByDescending(data.Length).Chunk(batchSize))
            .ToArray();
        if (shuffle) random.Shuffle(batches);
        return batches;
    }
}
