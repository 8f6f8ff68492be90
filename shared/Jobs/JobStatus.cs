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

    public PrepStats? PrepStats { get; set; }
    public int? Shards { get; set; }
    public JobProgress? Progress { get; set; }

    /// <summary>Times training was stopped gracefully (preemption, scale-in, a timeout) and its message handed back: not failed attempts.</summary>
    public int TrainingStops { get; set; }
    public string? Error { get; set; }
    public JobResult? Result { get; set; }

    [JsonIgnore] public bool IsFinished => State is JobState.Succeeded or JobState.Failed;

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
