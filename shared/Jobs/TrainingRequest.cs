namespace BertServerless.Shared.Jobs;

/// <summary>
/// <c>jobs/{jobId}/training-requested</c>: who is sending the job's one <c>ShardsReady</c>, and whether it was sent.
/// <see cref="Claimed"/> is when the current sender took the job on; a claim older than the finisher's
/// <c>SendClaimTimeout</c> belongs to a sender that died or lost its answer, and another finisher may take it over.
/// </summary>
public sealed record TrainingRequest(bool Sent, DateTimeOffset Claimed)
{
    public string ToJson() => DocumentJson.Serialize(this);

    public static TrainingRequest Parse(string json, string sourceName) => DocumentJson.Parse<TrainingRequest>(json, sourceName, "training request");
}
