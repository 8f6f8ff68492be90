using BertServerless.Shared.Prep;

namespace BertServerless.Shared.Tests.Prep;

/// <summary>Keeps prep output in memory, by file name, in write order.</summary>
internal sealed class MemorySink : IShardSink
{
    public Dictionary<string, byte[]> Files { get; } = [];
    public List<string> Order { get; } = [];

    public Task WriteAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Files[fileName] = content.ToArray();
        Order.Add(fileName);
        return Task.CompletedTask;
    }
}
