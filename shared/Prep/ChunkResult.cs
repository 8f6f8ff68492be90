using BertServerless.Shared.Shards;

namespace BertServerless.Shared.Prep;

/// <summary>The masked examples of one chunk, in book order, and the chunk's counts.</summary>
public sealed record ChunkResult(int ChunkIndex, IReadOnlyList<PretrainingExample> Examples, PrepStats Stats);
