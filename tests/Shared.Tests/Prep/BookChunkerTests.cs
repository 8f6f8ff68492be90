using BertServerless.Shared.Prep;

namespace BertServerless.Shared.Tests.Prep;

public class BookChunkerTests
{
    private static IEnumerable<string> Paragraphs(int count, int length) => Enumerable.Range(0, count).Select(i => new string((char)('a' + i % 26), length));

    [Fact]
    public void Chunk_cuts_at_paragraph_boundaries_near_the_target_size()
    {
        var chunks = BookChunker.Chunk(Paragraphs(100, 100), chunkChars: 1000).ToList();

        Assert.Equal(10, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(1000, c.Chars));
        Assert.Equal(Enumerable.Range(0, 10), chunks.Select(c => c.Index));
    }

    [Fact]
    public void Chunk_merges_a_small_tail_into_the_previous_chunk()
    {
        var chunks = BookChunker.Chunk(Paragraphs(21, 100), chunkChars: 1000).ToList();

        Assert.Equal(2, chunks.Count);
        Assert.Equal(11, chunks[^1].Paragraphs.Count);
    }

    [Fact]
    public void Chunk_keeps_every_paragraph_in_order()
    {
        var input = Paragraphs(57, 37).Select((p, i) => p + i).ToList();
        var output = BookChunker.Chunk(input, chunkChars: 500).SelectMany(c => c.Paragraphs);
        Assert.Equal(input, output);
    }

    [Fact]
    public void ChunkSeed_is_stable_and_distinct_per_chunk()
    {
        Assert.Equal(ChunkPreparer.ChunkSeed(42, 0), ChunkPreparer.ChunkSeed(42, 0));
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(i => ChunkPreparer.ChunkSeed(42, i)).Distinct().Count());
        Assert.NotEqual(ChunkPreparer.ChunkSeed(1, 0), ChunkPreparer.ChunkSeed(2, 0));
    }
}
