using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Shards;

public class ShardPackerTests
{
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - 1)]
    public void Pack_shardSizeNearIntMaxValue_writesOneShardOfEverySequence(int shardSize)
    {
        var paragraphs = File.ReadAllLines(TestData.Meditations).Where(line => line.Length > 200).Take(40).ToList();
        var options = new PrepOptions { MaxLen = 64 };
        var chunk = new ChunkPreparer(BertTokenization.Default, options).Prepare(new BookChunk(0, paragraphs));

        var shards = ShardPacker.Pack(chunk, shardSize, BertTokenization.Default.Special.Pad, new Dictionary<string, string>()).ToList();

        Assert.True(chunk.Examples.Count > 0);
        Assert.Equal(chunk.Examples.Count, Assert.Single(shards).Entry.Sequences);
    }
}
