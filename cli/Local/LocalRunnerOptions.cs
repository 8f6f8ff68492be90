using BertServerless.Shared.Storage;

namespace BertServerless.Cli.Local;

/// <summary>
/// How <see cref="LocalFunctionsRunner"/> stands in for the Functions host; bound from section <see cref="SectionName"/>.
/// The queue settings mirror functions/host.json so a message fails and is poisoned the same way locally.
/// </summary>
public sealed class LocalRunnerOptions
{
    public const string SectionName = "LocalRunner";

    /// <summary>How often the books container is listed and the chunk queue read when idle.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>host.json maxDequeueCount: a message that failed this often goes to the poison queue.</summary>
    public int MaxDequeueCount { get; set; } = StorageNames.PrepChunksMaxDequeueCount;

    /// <summary>How long a received message stays hidden from other readers while it is processed (the visibility timeout of the receive; host.json's visibilityTimeout is <see cref="RetryDelay"/>).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After a failure, the message becomes visible again after this long (host.json visibilityTimeout).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest pause between passes while storage keeps failing; the pause doubles from <see cref="PollInterval"/> up to this.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Chunk messages handled at once; chunk prep is CPU-bound, so one per core.</summary>
    public int Concurrency { get; set; } = Environment.ProcessorCount;
}
