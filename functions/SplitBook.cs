using Azure.Storage.Blobs;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BertServerless.Functions;

/// <summary>
/// A book uploaded to <c>books</c>, delivered by Event Grid (the only blob trigger Flex Consumption runs): becomes a
/// job whose chunks wait on <c>prep-chunks</c>. Locally it is disabled (<c>AzureWebJobs.SplitBook.Disabled</c>) in
/// favour of <see cref="SplitBookPolling"/>, which needs no Event Grid subscription.
/// </summary>
public sealed class SplitBook(BookIntake intake, ILogger<SplitBook> logger)
{
    [Function(nameof(SplitBook))]
    public async Task Run(
        [BlobTrigger($"{StorageNames.BooksContainer}/{{name}}", Source = BlobTriggerSource.EventGrid, Connection = StorageNames.Connection)] BlobClient book,
        string name,
        CancellationToken cancellationToken)
    {
        logger.LogInformation("Book {Name} uploaded", name);
        await intake.AcceptAsync(book, cancellationToken);
    }
}
