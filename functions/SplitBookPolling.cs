using Azure.Storage.Blobs;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BertServerless.Functions;

/// <summary>
/// <see cref="SplitBook"/> for <c>func start</c> on Azurite: the same work, found by the host's container polling.
/// Disabled in Azure (<c>AzureWebJobs.SplitBookPolling.Disabled=true</c>). Polling can miss a blob uploaded
/// moments after another; the CLI's local runner lists the container instead and misses none.
/// </summary>
public sealed class SplitBookPolling(BookIntake intake, ILogger<SplitBookPolling> logger)
{
    [Function(nameof(SplitBookPolling))]
    public async Task Run(
        [BlobTrigger($"{StorageNames.BooksContainer}/{{name}}", Source = BlobTriggerSource.LogsAndContainerScan, Connection = StorageNames.Connection)] BlobClient book,
        string name,
        CancellationToken cancellationToken)
    {
        logger.LogInformation("Book {Name} found by polling", name);
        await intake.AcceptAsync(book, cancellationToken);
    }
}
