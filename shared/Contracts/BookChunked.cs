namespace BertServerless.Shared.Contracts;

/// <summary>On <c>prep-chunks</c>: chunk <paramref name="ChunkIndex"/> of <paramref name="ChunkCount"/> of a job's book is stored and waits for its shards.</summary>
public sealed record BookChunked(string JobId, int ChunkIndex, int ChunkCount);
