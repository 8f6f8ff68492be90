using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Training;

public class BatchOrderTests
{
    private static readonly ShardDataset Data = new([SyntheticShards.Shard(SyntheticShards.Examples(203, seed: 5))]);

    [Fact]
    public void Epoch_covers_every_sequence_once_with_a_short_last_batch()
    {
        var batches = new BatchOrder(Data, batchSize: 16, seed: 1, shuffle: true, lengthBucketing: false).Epoch(0);

        Assert.Equal(13, batches.Count);
        Assert.Equal(203 - 12 * 16, batches[^1].Length);
        Assert.Equal(Enumerable.Range(0, 203), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void Epoch_same_seed_and_epoch_gives_same_order_and_next_epoch_a_new_one()
    {
        var first = new BatchOrder(Data, 16, seed: 1, shuffle: true, lengthBucketing: false);
        var again = new BatchOrder(Data, 16, seed: 1, shuffle: true, lengthBucketing: false);

        Assert.Equal(first.Epoch(3).SelectMany(b => b), again.Epoch(3).SelectMany(b => b));
        Assert.NotEqual(first.Epoch(0).SelectMany(b => b), again.Epoch(1).SelectMany(b => b));
    }

    [Fact]
    public void Epoch_with_length_bucketing_pads_less_and_still_covers_everything()
    {
        var plain = new BatchOrder(Data, 8, seed: 2, shuffle: true, lengthBucketing: false).Epoch(0);
        var bucketed = new BatchOrder(Data, 8, seed: 2, shuffle: true, lengthBucketing: true).Epoch(0);

        long Padding(IReadOnlyList<int[]> batches) => batches.Sum(b => Data.Collate(b, 0).PaddedTokens - Data.Collate(b, 0).RealTokens);
        Assert.Equal(Enumerable.Range(0, 203), bucketed.SelectMany(b => b).Order());
        Assert.True(Padding(bucketed) < Padding(plain) / 2, $"bucketed padding {Padding(bucketed)}, plain {Padding(plain)}");
    }
}
