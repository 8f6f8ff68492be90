namespace BertServerless.Shared.Jobs;

/// <summary>The upload a job was made from: the blob and the ETag of the exact version read.</summary>
public sealed record BookSource(string Container, string Name, string ETag, long Bytes);
