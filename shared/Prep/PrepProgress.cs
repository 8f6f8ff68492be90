namespace BertServerless.Shared.Prep;

/// <summary>A progress report after each chunk: bytes of the book read so far (of <paramref name="TotalBytes"/> when known) and the counts so far.</summary>
public sealed record PrepProgress(long BytesRead, long? TotalBytes, int Chunks, PrepStats Stats);
