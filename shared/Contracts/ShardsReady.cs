namespace BertServerless.Shared.Contracts;

/// <summary>
/// On <c>training-jobs</c>: every shard of a job and its manifest are stored; sent exactly once per job.
/// <paramref name="Manifest"/> is the blob name in the shards container; the training options are in the job status.
/// </summary>
public sealed record ShardsReady(string JobId, string Manifest, int Shards, long Sequences);
