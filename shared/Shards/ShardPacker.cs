using BertServerless.Shared.Prep;

namespace BertServerless.Shared.Shards;

/// <summary>Spreads a chunk's examples evenly over as few shards as keep each near the target size, and serialises them.</summary>
public static class ShardPacker
{
    /// <summary>The chunk's <c>shard-*</c>, then its <c>phase2-shard-*</c> (stamped with <paramref name="phase2Metadata"/>) when it has phase-2 examples.</summary>
    public static IEnumerable<PackedShard> Pack(ChunkResult chunk, int shardSize, int padId, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyDictionary<string, string>? phase2Metadata = null)
    {
        var first = Pack(chunk.ChunkIndex, chunk.Examples, TrainingPhase.First, shardSize, padId, metadata);
        if (chunk.Phase2Examples.Count == 0) return first;
        if (phase2Metadata is null) throw new ArgumentNullException(nameof(phase2Metadata), "Phase-2 examples need their own shard metadata.");
        return first.Concat(Pack(chunk.ChunkIndex, chunk.Phase2Examples, TrainingPhase.Second, shardSize, padId, phase2Metadata));
    }

    private static IEnumerable<PackedShard> Pack(int chunkIndex, IReadOnlyList<PretrainingExample> examples, TrainingPhase phase, int shardSize, int padId,
        IReadOnlyDictionary<string, string> metadata)
    {
        // In long: count + shardSize - 1 overflows int for a shard size near int.MaxValue, which gave zero shards.
        var shards = (int)(((long)examples.Count + shardSize - 1) / shardSize);
        for (var part = 0; part < shards; part++)
        {
            var start = (int)((long)examples.Count * part / shards);
            var end = (int)((long)examples.Count * (part + 1) / shards);
            var file = ShardWriter.Build([.. Enumerable.Range(start, end - start).Select(i => examples[i])], padId, metadata);
            using var buffer = new MemoryStream();
            file.Write(buffer);
            var name = ShardFormat.FileName(chunkIndex, part, phase);
            var inputIds = file[ShardFormat.InputIds];
            var entry = new ShardEntry(name, (int)inputIds.Shape[0], (int)inputIds.Shape[1],
                long.Parse(file.Metadata[ShardFormat.Meta.Tokens]), buffer.Length);
            yield return new PackedShard(name, buffer.ToArray(), entry);
        }
    }
}
