namespace BertServerless.Shared.Shards;

/// <summary>A shard file ready to store: its name, its bytes and its manifest entry.</summary>
public sealed record PackedShard(string FileName, byte[] Bytes, ShardEntry Entry);
