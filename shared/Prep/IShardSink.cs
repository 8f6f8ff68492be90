namespace BertServerless.Shared.Prep;

/// <summary>Where <see cref="PrepPipeline"/> writes shards and manifest.json: a local directory (<see cref="DirectoryShardSink"/>, bertsl prep and the benchmark). The Functions app writes chunk by chunk through <c>ChunkShardBuilder</c> instead.</summary>
public interface IShardSink
{
    Task WriteAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}
