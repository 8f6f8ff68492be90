using System.Text.Json;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;

namespace BertServerless.Shared.Jobs;

/// <summary><c>shards/{jobId}/chunks/chunk-00000.json</c>: a chunk's shards are stored; its counts and manifest entries.</summary>
public sealed record ChunkMarker(int ChunkIndex, PrepStats Stats, IReadOnlyList<ShardEntry> Shards)
{
    public string ToJson() => JsonSerializer.Serialize(this, JobStatus.Json);

    public static ChunkMarker Parse(string json, string sourceName)
    {
        try
        {
            return JsonSerializer.Deserialize<ChunkMarker>(json, JobStatus.Json) ?? throw new InvalidDataException($"Chunk marker '{sourceName}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Chunk marker '{sourceName}' is not valid: {e.Message}", e);
        }
    }
}
