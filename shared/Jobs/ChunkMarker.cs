using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;

namespace BertServerless.Shared.Jobs;

/// <summary><c>shards/{jobId}/chunks/chunk-00000.json</c>: a chunk's shards are stored; its counts and manifest entries.</summary>
public sealed record ChunkMarker(int ChunkIndex, PrepStats Stats, IReadOnlyList<ShardEntry> Shards)
{
    public string ToJson() => DocumentJson.Serialize(this);

    public static ChunkMarker Parse(string json, string sourceName) => DocumentJson.Parse<ChunkMarker>(json, sourceName, "chunk marker");
}
