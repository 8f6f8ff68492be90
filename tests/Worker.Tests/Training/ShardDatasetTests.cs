using BertServerless.Shared.Shards;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Training;

public class ShardDatasetTests
{
    private static readonly PretrainingExample[] Examples =
    [
        new([1, 10, 3, 2, 12, 2], [0, 0, 0, 0, 1, 1], [-100, -100, 11, -100, -100, -100], 0),
        new([1, 20, 2, 21, 2], [0, 0, 0, 1, 1], [-100, -100, -100, -100, -100], 1),
        new([1, 30, 31, 32, 33, 34, 2, 35, 3, 2], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1], [-100, -100, -100, -100, -100, -100, -100, -100, 36, -100], 0),
    ];

    // Two shards of different padded widths: 6 (examples 0 and 1) and 10 (example 2).
    private static ShardDataset Dataset() => new([SyntheticShards.Shard(Examples[..2]), SyntheticShards.Shard(Examples[2..])]);

    [Fact]
    public void Collate_cuts_batch_to_its_longest_row()
    {
        var batch = Dataset().Collate([1, 0], padId: 0);

        Assert.Equal((2, 6), (batch.Size, batch.Length));
        Assert.Equal([1, 20, 2, 21, 2, 0, 1, 10, 3, 2, 12, 2], batch.InputIds);
        Assert.Equal([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1], batch.AttentionMask);
        Assert.Equal([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1], batch.TokenTypeIds);
        Assert.Equal([1, 0], batch.NextSentenceLabel);
        Assert.Equal(11, batch.RealTokens);
        Assert.Equal(1, batch.PredictedTokens);
    }

    [Fact]
    public void Collate_across_shards_pads_shorter_shard_rows_with_pad_id_and_ignore_labels()
    {
        var batch = Dataset().Collate([2, 1], padId: 7);

        Assert.Equal(10, batch.Length);
        Assert.Equal([1, 20, 2, 21, 2, 7, 7, 7, 7, 7], batch.InputIds[10..]);
        Assert.Equal([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], batch.AttentionMask[10..]);
        Assert.All(batch.Labels[10..], label => Assert.Equal(ShardFormat.IgnoreLabel, label));
        Assert.Equal(36, batch.Labels[8]);
    }

    [Fact]
    public void Collate_with_fixed_length_pads_every_row_to_it()
    {
        var batch = Dataset().Collate([0], padId: 0, padTo: 16);

        Assert.Equal(16, batch.Length);
        Assert.Equal(6, batch.RealTokens);
        Assert.Equal(16, batch.PaddedTokens);
    }

    [Fact]
    public void LoadWithHoldOut_keeps_last_shards_for_eval()
    {
        var directory = SyntheticShards.WriteDirectory(Path.Combine(Path.GetTempPath(), "bertsl-holdout-" + Guid.NewGuid()), shards: 4, perShard: 5, seed: 1);
        try
        {
            var (train, eval) = ShardDataset.LoadWithHoldOut(directory, 0.25);

            Assert.Equal(15, train.Count);
            Assert.Equal(5, eval!.Count);
            Assert.EndsWith(ShardFormat.FileName(0, 3), eval.Files.Single());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void LoadWithHoldOut_single_shard_holds_out_its_last_sequences()
    {
        var directory = SyntheticShards.WriteDirectory(Path.Combine(Path.GetTempPath(), "bertsl-holdout-" + Guid.NewGuid()), shards: 1, perShard: 20, seed: 1);
        try
        {
            var all = ShardDataset.Load(directory);
            var (train, eval) = ShardDataset.LoadWithHoldOut(directory, 0.1);

            Assert.Equal(18, train.Count);
            Assert.Equal(2, eval!.Count);
            Assert.Equal(all.Collate([18, 19], padId: 0).InputIds, eval.Collate([0, 1], padId: 0).InputIds);
            Assert.Throws<ArgumentOutOfRangeException>(() => train.Collate([18], padId: 0));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Load_reads_batches_from_the_files_identical_to_shards_in_memory()
    {
        var directory = SyntheticShards.WriteDirectory(Path.Combine(Path.GetTempPath(), "bertsl-lazy-" + Guid.NewGuid()), shards: 3, perShard: 7, seed: 4);
        try
        {
            var onDisk = ShardDataset.Load(directory);
            var inMemory = new ShardDataset([.. Enumerable.Range(0, 3).Select(s => SyntheticShards.Shard(SyntheticShards.Examples(7, 4 + s)))]);
            int[] indices = [20, 0, 13, 7, 6, 14];

            Assert.Equal(inMemory.Count, onDisk.Count);
            Assert.Equal(Enumerable.Range(0, 21).Select(inMemory.Length), Enumerable.Range(0, 21).Select(onDisk.Length));
            Assert.Equal(inMemory.Collate(indices, padId: 0), onDisk.Collate(indices, padId: 0), BatchComparer.Instance);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Collate_of_a_shard_replaced_on_disk_after_loading_says_so()
    {
        var directory = SyntheticShards.WriteDirectory(Path.Combine(Path.GetTempPath(), "bertsl-lazy-" + Guid.NewGuid()), shards: 1, perShard: 6, seed: 2);
        try
        {
            var data = ShardDataset.Load(directory);
            SyntheticShards.WriteDirectory(directory, shards: 1, perShard: 3, seed: 2);

            var error = Assert.Throws<InvalidDataException>(() => data.Collate([0], padId: 0));
            Assert.Contains(ShardFormat.FileName(0, 0), error.Message);
            Assert.Contains("changed on disk", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class BatchComparer : IEqualityComparer<Batch>
    {
        public static readonly BatchComparer Instance = new();

        public bool Equals(Batch? a, Batch? b)
            => a!.Size == b!.Size && a.Length == b.Length && a.InputIds.SequenceEqual(b.InputIds) && a.TokenTypeIds.SequenceEqual(b.TokenTypeIds)
               && a.AttentionMask.SequenceEqual(b.AttentionMask) && a.Labels.SequenceEqual(b.Labels) && a.NextSentenceLabel.SequenceEqual(b.NextSentenceLabel)
               && a.RealTokens == b.RealTokens && a.PredictedTokens == b.PredictedTokens;

        public int GetHashCode(Batch batch) => batch.Size;
    }

    [Fact]
    public void Load_missing_directory_throws_clear_error()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => ShardDataset.Load("/no/such/shards"));
        Assert.Contains("/no/such/shards", error.Message);
    }
}
