namespace BertServerless.Shared.Prep;

/// <summary>Where prep output goes: a local directory for the CLI, a blob prefix for the Functions app.</summary>
public interface IShardSink
{
    Task WriteAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}
