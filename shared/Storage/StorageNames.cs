namespace BertServerless.Shared.Storage;

/// <summary>
/// Every container, queue and blob path of the pipeline, in one place so the Functions app, the worker, the CLI and
/// infra/ (which must use the same strings) agree.
/// </summary>
public static class StorageNames
{
    /// <summary>Name of the connection setting (<c>BertStorage</c> locally; <c>BertStorage__accountName</c> etc. with managed identity).</summary>
    public const string Connection = "BertStorage";

    /// <summary>
    /// Section of the Azure SDK's client options for every storage client (<c>AzureDefaults:Retry:MaxRetries</c>, …), as
    /// Microsoft.Extensions.Azure binds them; the SDK's defaults (3 retries from 0.8 s) give up within seconds.
    /// </summary>
    public const string ClientDefaults = "AzureDefaults";

    public const string BooksContainer = "books";
    public const string ShardsContainer = "shards";
    public const string CheckpointsContainer = "checkpoints";
    public const string JobsContainer = "jobs";

    public const string PrepChunksQueue = "prep-chunks";
    public const string TrainingJobsQueue = "training-jobs";

    /// <summary>
    /// Attempts at a <c>prep-chunks</c> message before it moves to the poison queue. functions/host.json says the same
    /// (extensions.queues.maxDequeueCount; a test keeps them equal): the last attempt records the failure in the job.
    /// </summary>
    public const int PrepChunksMaxDequeueCount = 5;

    public static string PoisonQueue(string queue) => $"{queue}-poison";
}
