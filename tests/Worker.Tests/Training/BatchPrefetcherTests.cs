using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Training;

public class BatchPrefetcherTests
{
    private readonly ShardDataset _data = new([SyntheticShards.Shard(SyntheticShards.Examples(24, seed: 5))]);

    [Fact]
    public void Take_after_prefetching_the_same_rows_gives_what_collating_them_gives()
    {
        int[][] rows = [[3, 1, 4], [15, 9]];
        using var prefetcher = new BatchPrefetcher(padId: 0);

        prefetcher.Prefetch(_data, rows);
        var batches = prefetcher.Take(_data, [[3, 1, 4], [15, 9]]); // equal rows, other arrays

        Assert.Equal(2, batches.Length);
        AssertSameBatch(_data.Collate(rows[0], padId: 0), batches[0]);
        AssertSameBatch(_data.Collate(rows[1], padId: 0), batches[1]);
    }

    [Fact]
    public void Take_of_other_rows_than_prefetched_collates_the_rows_asked_for()
    {
        using var prefetcher = new BatchPrefetcher(padId: 0);
        prefetcher.Prefetch(_data, [[0, 1]]);

        var batches = prefetcher.Take(_data, [[7, 8, 9]]);

        AssertSameBatch(_data.Collate([7, 8, 9], padId: 0), Assert.Single(batches));
    }

    [Fact]
    public void Take_throws_what_collating_the_prefetched_rows_threw()
    {
        using var prefetcher = new BatchPrefetcher(padId: 0);
        prefetcher.Prefetch(_data, [[0, 99]]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => prefetcher.Take(_data, [[0, 99]]));

        Assert.Contains("24 sequences", error.Message);
    }

    [Fact]
    public void Dispose_waits_for_a_prefetch_that_is_never_taken_without_throwing_its_failure()
    {
        var prefetcher = new BatchPrefetcher(padId: 0);
        prefetcher.Prefetch(_data, [[99]]);

        prefetcher.Dispose();

        AssertSameBatch(_data.Collate([2], padId: 0), Assert.Single(prefetcher.Take(_data, [[2]])));
    }

    private static void AssertSameBatch(Batch expected, Batch actual)
    {
        Assert.Equal((expected.Size, expected.Length, expected.RealTokens, expected.PredictedTokens), (actual.Size, actual.Length, actual.RealTokens, actual.PredictedTokens));
        Assert.Equal(expected.InputIds, actual.InputIds);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.NextSentenceLabel, actual.NextSentenceLabel);
    }
}
