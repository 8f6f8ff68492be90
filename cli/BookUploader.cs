using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Training;

namespace BertServerless.Cli;

/// <summary>Puts a book into the <c>books</c> container with its option overrides as blob metadata; the job id follows from the upload.</summary>
public static class BookUploader
{
    /// <returns>The id of the job the pipeline makes of this upload.</returns>
    public static async Task<string> UploadAsync(BlobServiceClient service, FileInfo book, string blobName,
        IReadOnlyDictionary<string, string> overrides, CancellationToken cancellationToken)
    {
        if (!book.Exists) throw new FileNotFoundException($"Book '{book.FullName}' does not exist.");
        // Checked here too, so a typo fails now instead of as a failed job later.
        JobOverrides.ApplyAndValidate(overrides, new PrepOptions(), new TrainingRecipe());
        var container = service.GetBlobContainerClient(StorageNames.BooksContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await using var stream = book.OpenRead();
        var uploaded = await container.GetBlobClient(blobName).UploadAsync(stream,
            new BlobUploadOptions { Metadata = overrides.ToDictionary(o => JobOverrides.CanonicalName(o.Key), o => o.Value), HttpHeaders = new BlobHttpHeaders { ContentType = "text/plain" } },
            cancellationToken);
        return JobIds.For(blobName, uploaded.Value.ETag);
    }
}
