using System.Text.Json.Serialization;
using BertServerless.Shared.Prep;

namespace BertServerless.Shared.Shards;

/// <summary>One shard as listed in <c>manifest.json</c>.</summary>
public sealed record ShardEntry(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("sequences")] int Sequences,
    [property: JsonPropertyName("sequence_length")] int SequenceLength,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("bytes")] long Bytes);

/// <summary>
/// <c>manifest.json</c> beside the shards: the shard list in training order, the counts, and the settings the shards
/// were made with (the same strings as each shard's <c>__metadata__</c>). A two-phase prep lists its
/// <c>phase2-shard-*</c> apart, in <see cref="Phase2Shards"/>.
/// </summary>
public sealed class ShardManifest
{
    [JsonPropertyName("format_version")] public string FormatVersion { get; init; } = ShardFormat.Version;
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("settings")] public required IReadOnlyDictionary<string, string> Settings { get; init; }
    [JsonPropertyName("shards")] public required IReadOnlyList<ShardEntry> Shards { get; init; }
    [JsonPropertyName("stats")] public required PrepStats Stats { get; init; }

    /// <summary>The shards at phase2_max_len for the second phase of training, in chunk order; null for a one-phase prep.</summary>
    [JsonPropertyName("phase2_shards")] public IReadOnlyList<ShardEntry>? Phase2Shards { get; init; }

    /// <summary>Every shard file of both phases.</summary>
    [JsonIgnore] public IEnumerable<ShardEntry> AllShards => Phase2Shards is null ? Shards : Shards.Concat(Phase2Shards);

    /// <summary>The manifest of a book prepared chunk by chunk: stats summed and shards listed in chunk order, each phase apart.</summary>
    public static ShardManifest Assemble(string source, IReadOnlyDictionary<string, string> settings, IEnumerable<(PrepStats Stats, IEnumerable<ShardEntry> Shards)> chunks)
    {
        var stats = new PrepStats();
        var shards = new List<ShardEntry>();
        var phase2 = new List<ShardEntry>();
        foreach (var chunk in chunks)
        {
            stats.Add(chunk.Stats);
            foreach (var shard in chunk.Shards)
                (shard.File.StartsWith(ShardFormat.Phase2Prefix, StringComparison.Ordinal) ? phase2 : shards).Add(shard);
        }
        return new ShardManifest { Source = source, Settings = settings, Shards = shards, Stats = stats, Phase2Shards = phase2.Count > 0 ? phase2 : null };
    }

    /// <summary>Why the book cannot be trained on when no chunk gave a next-sentence pair; null when some did.</summary>
    [JsonIgnore]
    public string? NoPairsError => Stats.Pairs > 0 ? null
        : $"'{Source}' gives no next-sentence pair: it needs paragraphs of two or more sentences, and more than one paragraph to draw random sentences from.";

    public string ToJson() => DocumentJson.Serialize(this);

    public static ShardManifest Parse(string json, string sourceName) => DocumentJson.Parse<ShardManifest>(json, sourceName, "shard manifest");

    public static ShardManifest Read(string path) => Parse(File.ReadAllText(path), path);
}
