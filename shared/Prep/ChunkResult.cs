using BertServerless.Shared.Shards;

namespace BertServerless.Shared.Prep;

/// <summary>The masked examples of one chunk, in book order, and the chunk's counts (of the max_len examples).</summary>
public sealed record ChunkResult(int ChunkIndex, IReadOnlyList<PretrainingExample> Examples, PrepStats Stats)
{
    /// <summary>The same text at phase2_max_len, for the second phase of training; empty when there is none.</summary>
    public IReadOnlyList<PretrainingExample> Phase2Examples { get; init; } = [];
}
