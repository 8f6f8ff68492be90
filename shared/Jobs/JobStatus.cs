using System.Text.Json.Serialization;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Training;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// <c>jobs/{jobId}/status.json</c>: one job's state, history, effective options and results, written by every stage
/// through <see cref="JobStatusStore"/>. States change only through <see cref="MoveTo"/> and <see cref="Fail"/>.
/// </summary>
public sealed class JobStatus
{
    public required string JobId { get; init; }
    public required BookSource Source { get; init; }

    [JsonInclude] public JobState State { get; private set; } = JobState.Queued;

    public DateTimeOffset Created { get; init; }
    public DateTimeOffset Updated { get; set; }
    public List<JobEvent> History { get; init; } = [];

    /// <summary>Effective prep options: configuration defaults with the upload's metadata overrides applied.</summary>
    public PrepOptions? Prep { get; set; }

    /// <summary>The effective training recipe, as <see cref="Prep"/>.</summary>
    public TrainingRecipe? Training { get; set; }

    /// <summary>Set once every chunk of the book is stored and announced on the prep queue.</summary>
    public int? Chunks { get; set; }

    /// <summary>
    /// Chunks given up and moved to <c>prep-chunks-poison</c>. They failed the job; replaying each (after the cause is
    /// fixed) builds it, and when the last is built the job prepares again (<see cref="ChunkReplayed"/>).
    /// </summary>
    public List<int>? PoisonedChunks { get; set; }

    /// <summary>Failed attempts at splitting the upload; the blob trigger's retries stop at the same count as a chunk's.</summary>
    public int? FailedSplits { get; set; }

    public PrepStats? PrepStats { get; set; }
    public int? Shards { get; set; }
    public JobProgress? Progress { get; set; }

    /// <summary>Time and cost, measured by the worker once, before the first step (a resume keeps it).</summary>
    public TrainingEstimate? Estimate { get; set; }

    /// <summary>Times training was stopped gracefully (preemption, scale-in, a timeout) and its message handed back: not failed attempts.</summary>
    public int TrainingStops { get; set; }
    public string? Error { get; set; }
    public JobResult? Result { get; set; }

    /// <summary>
    /// When a user asked to cancel the job (API or CLI): the worker stops at its next step, or does not start, and
    /// moves the job to <see cref="JobState.Cancelled"/>. Cleared by <see cref="Resume"/>.
    /// </summary>
    public DateTimeOffset? CancelRequested { get; set; }

    /// <summary>Nothing moves the job on by itself: it succeeded, failed, or was cancelled (and waits to be resumed).</summary>
    [JsonIgnore] public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    public static JobStatus New(string jobId, BookSource source, DateTimeOffset now)
    {
        var status = new JobStatus { JobId = jobId, Source = source, Created = now, Updated = now };
        status.History.Add(new JobEvent(now, JobState.Queued, $"Upload '{source.Name}' accepted."));
        return status;
    }

    /// <summary>
    /// Moves forward to <paramref name="next"/> and records why. Returns false, recording nothing, when the job is
    /// already there (a redelivered message); throws <see cref="InvalidOperationException"/> on a backward move or a
    /// move out of a finished job, which is a bug in a stage, not bad input.
    /// </summary>
    public bool MoveTo(JobState next, string message, DateTimeOffset now)
    {
        if (next == State) return false;
        if (IsFinished || next < State)
            throw new InvalidOperationException($"Job {JobId} cannot move from {State} to {next}.");
        State = next;
        History.Add(new JobEvent(now, next, message));
        return true;
    }

    /// <summary>Marks the job failed with a reason a user can act on. A job that already finished keeps its outcome.</summary>
    public void Fail(string error, DateTimeOffset now)
    {
        if (IsFinished) return;
        Error = error;
        State = JobState.Failed;
        History.Add(new JobEvent(now, JobState.Failed, error));
    }

    /// <summary>Honours the cancel request: the job is <see cref="JobState.Cancelled"/>. A job that already finished keeps its outcome.</summary>
    public void Cancel(string message, DateTimeOffset now)
    {
        if (IsFinished) return;
        State = JobState.Cancelled;
        History.Add(new JobEvent(now, JobState.Cancelled, message));
    }

    /// <summary>
    /// A cancelled job goes back to <see cref="JobState.ReadyForTraining"/> with its cancel request cleared; the caller
    /// sends its training message again. Only a cancelled job resumes.
    /// </summary>
    public void Resume(string message, DateTimeOffset now)
    {
        if (State != JobState.Cancelled) throw new InvalidOperationException($"Job {JobId} is {State}, not Cancelled: only a cancelled job resumes.");
        CancelRequested = null;
        State = JobState.ReadyForTraining;
        History.Add(new JobEvent(now, State, message));
    }

    /// <summary>
    /// Chunk <paramref name="chunkIndex"/> went to the poison queue: the job fails with <paramref name="error"/>, and
    /// remembers the chunk so a replay can bring it back. Only a job still preparing is touched: a chunk message
    /// redelivered after its job moved on, or one of a job failed for its input, must not change it.
    /// Returns false when nothing changed.
    /// </summary>
    public bool ChunkPoisoned(int chunkIndex, string error, DateTimeOffset now)
    {
        var failedByPoison = State == JobState.Failed && PoisonedChunks is not null;
        if (State > JobState.Preparing && !failedByPoison) return false;
        if (PoisonedChunks?.Contains(chunkIndex) == true) return false;
        (PoisonedChunks ??= []).Add(chunkIndex);
        if (failedByPoison) Note($"Chunk {chunkIndex} also moved to the poison queue.", now);
        else Fail(error, now);
        return true;
    }

    /// <summary>True when chunk <paramref name="chunkIndex"/> was poisoned and its replay is awaited.</summary>
    public bool AwaitsReplayOf(int chunkIndex) => State == JobState.Failed && PoisonedChunks?.Contains(chunkIndex) == true;

    /// <summary>
    /// A replayed poisoned chunk was built. With none left poisoned the failure is lifted and the job is Preparing
    /// again, because the failure was the pipeline's, not the book's, and is now repaired.
    /// </summary>
    public void ChunkReplayed(int chunkIndex, DateTimeOffset now)
    {
        if (PoisonedChunks is null || !PoisonedChunks.Remove(chunkIndex)) return;
        if (PoisonedChunks.Count > 0)
        {
            Note($"Chunk {chunkIndex} replayed; {PoisonedChunks.Count} chunk(s) still in the poison queue.", now);
            return;
        }
        PoisonedChunks = null;
        Error = null;
        Reopen(JobState.Preparing, $"Chunk {chunkIndex} replayed from the poison queue; preparing again.", now);
    }

    /// <summary>
    /// Takes back a failure that turned out not to be one (a replayed message finds the work done): a failed job
    /// returns to <paramref name="state"/>, from where it can move on, and records why. Only a failed job reopens.
    /// </summary>
    public void Reopen(JobState state, string message, DateTimeOffset now)
    {
        if (State != JobState.Failed) throw new InvalidOperationException($"Job {JobId} is {State}, not Failed: only a failed job reopens.");
        State = state;
        History.Add(new JobEvent(now, state, message));
    }

    /// <summary>Records an event without changing state, e.g. "chunk 3 of 8 done".</summary>
    public void Note(string message, DateTimeOffset now) => History.Add(new JobEvent(now, State, message));

    public string ToJson() => DocumentJson.Serialize(this);

    public static JobStatus Parse(string json, string sourceName) => DocumentJson.Parse<JobStatus>(json, sourceName, "job status");
}
