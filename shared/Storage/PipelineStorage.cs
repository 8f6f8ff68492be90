using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace BertServerless.Shared.Storage;

/// <summary>
/// The pipeline's containers and queues. In Azure infra/ creates them; on Azurite nobody does, so the local runner,
/// the CLI and the Functions app call <see cref="EnsureCreatedAsync"/> at start (idempotent, a few requests).
/// </summary>
/// <param name="createsResources">
/// True for storage reached by a connection string (Azurite: the account rejects shared keys in Azure). An identity
/// in Azure holds data roles on single containers and queues (infra/app/storage-access.bicep) and may not create
/// them, so there <see cref="EnsureCreatedAsync"/> does nothing rather than fail the host at start with a 403.
/// </param>
public sealed class PipelineStorage(BlobServiceClient blobs, QueueServiceClient queues, bool createsResources)
{
    public static IReadOnlyList<string> Containers { get; } =
        [StorageNames.BooksContainer, StorageNames.ShardsContainer, StorageNames.CheckpointsContainer, StorageNames.JobsContainer];

    public static IReadOnlyList<string> Queues { get; } =
    [
        StorageNames.PrepChunksQueue, StorageNames.PoisonQueue(StorageNames.PrepChunksQueue),
        StorageNames.TrainingJobsQueue, StorageNames.PoisonQueue(StorageNames.TrainingJobsQueue),
    ];

    public BlobContainerClient Books => blobs.GetBlobContainerClient(StorageNames.BooksContainer);
    public BlobContainerClient Shards => blobs.GetBlobContainerClient(StorageNames.ShardsContainer);
    public BlobContainerClient Checkpoints => blobs.GetBlobContainerClient(StorageNames.CheckpointsContainer);
    public BlobContainerClient Jobs => blobs.GetBlobContainerClient(StorageNames.JobsContainer);

    public QueueClient PrepChunks => queues.GetQueueClient(StorageNames.PrepChunksQueue);
    public QueueClient PrepChunksPoison => queues.GetQueueClient(StorageNames.PoisonQueue(StorageNames.PrepChunksQueue));
    public QueueClient TrainingJobs => queues.GetQueueClient(StorageNames.TrainingJobsQueue);
    public QueueClient TrainingJobsPoison => queues.GetQueueClient(StorageNames.PoisonQueue(StorageNames.TrainingJobsQueue));

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (!createsResources) return;
        foreach (var container in Containers)
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        foreach (var queue in Queues)
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}
