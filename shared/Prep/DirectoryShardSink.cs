namespace BertServerless.Shared.Prep;

/// <summary>Writes prep output into a local directory, creating it if needed.</summary>
public sealed class DirectoryShardSink(string directory) : IShardSink
{
    public async Task WriteAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, fileName), content, cancellationToken);
    }
}
