namespace BertServerless.Shared.Jobs;

/// <summary>One line of a job's history: when it entered <paramref name="State"/>, or what happened while in it.</summary>
public sealed record JobEvent(DateTimeOffset Time, JobState State, string Message);
