namespace BertServerless.Worker.Hosting;

/// <summary>The content of <c>jobs/{jobId}/training-owner</c>: who holds its lease, and for which queue message.</summary>
public sealed record TrainingOwnerRecord(string? MessageId, string? Writer, DateTimeOffset? Acquired);
