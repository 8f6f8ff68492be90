namespace BertServerless.Shared.Jobs;

/// <summary>
/// Where a job is. It only moves forward, in this order; <see cref="Failed"/> can follow any state but
/// <see cref="Succeeded"/>, and nothing follows <see cref="Succeeded"/> or <see cref="Failed"/>, but one repair: a job
/// failed only by chunks moved to the poison queue prepares again once each is replayed (<see cref="JobStatus.ChunkReplayed"/>).
/// <see cref="Cancelled"/> is final too until a user resumes the job (<see cref="JobStatus.Resume"/>).
/// </summary>
public enum JobState
{
    /// <summary>The upload was seen and the job created; nothing read yet.</summary>
    Queued,
    /// <summary>The book is being split into chunks, or its chunks into shards.</summary>
    Preparing,
    /// <summary>Every shard and the manifest are stored; one <c>ShardsReady</c> is on the training queue.</summary>
    ReadyForTraining,
    Training,
    Succeeded,
    Failed,
    /// <summary>A user's cancel was honoured: training stopped at a step with its checkpoint kept, or never started.</summary>
    Cancelled,
}
