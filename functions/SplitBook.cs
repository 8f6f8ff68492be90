using Azure.Storage.Blobs;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BertServerless.Functions;

/// <summary>
/// A book uploaded to <c>books</c> becomes a job whose chunks wait on <c>prep-chunks</c>. One piece of work, two
/// triggers: <see cref="Run"/> is delivered by Event Grid (the only blob trigger Flex Consumption runs);
/// <see cref="RunPolling"/> finds the blob by the host's container polling, for <c>func start</c> on Azurite, which
/// has no Event Grid. Each is disabled where the other runs (<c>AzureWebJobs.SplitBook.Disabled</c>,
/// <c>AzureWebJobs.SplitBookPolling.Disabled</c>). Polling can miss a blob uploaded moments after another; the CLI's
/// local runner lists the container instead and misses none. A split that keeps failing fails the job after
/// host.json's maxDequeueCount attempts (<see cref="BookIntake.RecordFailedSplitAsync"/>).
/// </summary>
public sealed class SplitBook(BookIntake intake, ILogger<SplitBook> logger)
{
    [Function(nameof(SplitBook))]
    public Task Run(
        [BlobTrigger($"{StorageNames.BooksContainer}/{{name}}", Source = BlobTriggerSource.EventGrid, Connection = StorageNames.Connection)] BlobClient book,
        string name,
        CancellationToken cancellationToken)
        => AcceptAsync(book, name, "uploaded", cancellationToken);

    [Function("SplitBookPolling")]
    public Task RunPolling(
        [BlobTrigger($"{StorageNames.BooksContainer}/{{name}}", Source = BlobTriggerSource.LogsAndContainerScan, Connection = StorageNames.Connection)] BlobClient book,
        string name,
        CancellationToken cancellationToken)
        => AcceptAsync(book, name, "found by polling", cancellationToken);

    /// <summary>Long enough to write one status; the function's own token may be the reason the attempt failed.</summary>
    private static readonly TimeSpan GiveUpTimeout = TimeSpan.FromSeconds(30);

    private async Task AcceptAsync(BlobClient book, string name, string how, CancellationToken cancellationToken)
    {
        logger.LogInformation("Book {Name} {How}", name, how);
        try
        {
            await intake.AcceptAsync(book, cancellationToken);
        }
        catch (Exception e)
        {
            // The trigger retries (polling: host.json maxDequeueCount, then webjobs-blobtrigger-poison; Event Grid: its
            // retry policy); the job counts the failures and fails at the same limit, whoever delivers.
            using var giveUp = new CancellationTokenSource(GiveUpTimeout);
            await intake.RecordFailedSplitAsync(book, e, giveUp.Token);
            throw;
        }
    }
}
