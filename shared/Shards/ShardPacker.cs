using BertServerless.Shared.Prep;

namespace BertServerless.Shared.Shards;

/// <summary>Spreads a chunk's examples evenly over as few shards as keep each near the target size, and serialises them.</summary>
public static class ShardPacker
{
    public static IEnumerable<PackedShard> Pack(ChunkResult chunk, int shardSize, int padId, IReadOnlyDictionary<string, string> metadata)
    {
        var examples = chunk.Examples;
        // In long: count + shardSize - 1 overflows int for a shard size near int.MaxValue, which gave zero shards.
        var shards = (int)(((long)examples.Count + shardSize - 1) / shardSize);
        for (var part = 0; part < shards; part++)
        {
            var start = (int)((long)examples.Count * part / shards);
            var end = (int)((long)examples.Count * (part + 1) / shards);
            var file = ShardWriter.Build([.. Enumerable.Range(start, end - start).Select(i => examples[i])], padId, metadata);
            using var buffer = new MemoryStream();
            file.Write(buffer);
            var name = ShardFormat.FileName(chunk.ChunkIndex, part);
            var inputIds = file[ShardFormat.InputIds];
            var entry = new ShardEntry(name, (int)inputIds.Shape[0], (int)inputIds.Shape[1],
                long.Parse(file.Metadata[ShardFormat.Meta.Tokens]), buffer.Length);
            yield return new PackedShard(name, buffer.ToArray(), entry);
        }
    }
}
