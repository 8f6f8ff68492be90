using BertServerless.Shared;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// <c>checkpoints/{jobId}/latest.json</c>: the newest checkpoint whose files are all uploaded. It is written after
/// them, so whoever follows it (a user, or the worker resuming a redelivered job) never meets a half-written one.
/// </summary>
/// <param name="Prefix">The checkpoint's folder in the checkpoints container, ending in a slash.</param>
/// <param name="Final">True for the trained model; false for a step checkpoint, which can be resumed.</param>
/// <param name="Writer">The <see cref="TrainingOwner.Writer"/> that wrote it (none in files of older workers).</param>
public sealed record LatestCheckpoint(string Prefix, int Step, int TotalSteps, bool Final, DateTimeOffset Written, string? Writer = null)
{
    public string ToJson() => DocumentJson.Serialize(this);

    public static LatestCheckpoint Parse(string json, string sourceName) => DocumentJson.Parse<LatestCheckpoint>(json, sourceName, "latest-checkpoint pointer");
}
