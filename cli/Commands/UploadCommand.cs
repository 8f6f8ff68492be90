using System.CommandLine;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Storage;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary><c>bertsl upload</c>: puts a book into the <c>books</c> container, with per-job option overrides as blob metadata, and prints the job id.</summary>
public static class UploadCommand
{
    public static Command Create()
    {
        var book = new Argument<FileInfo>("BOOK") { Description = "The book: a plain-text file" };
        var name = new Option<string?>("--name", "-n") { Description = "Blob name (default: the file's name)" };
        var set = new Option<string[]>("--set", "-s")
        {
            Description = "Job option override key=value, repeatable (maxlen=128, epochs=1, preset=tiny)",
            AllowMultipleArgumentsPerToken = true,
        };
        var connection = StorageConnection.CreateOption();

        var command = new Command("upload", "Upload a book; the pipeline turns it into a training job") { book, name, set, connection };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var file = parse.GetValue(book)!;
            if (!file.Exists) throw new FileNotFoundException($"Book '{file.FullName}' does not exist.");
            var overrides = JobOverrides.ParsePairs(parse.GetValue(set) ?? []);
            CheckOverrides(overrides);

            var service = new BlobServiceClient(StorageConnection.Resolve(parse.GetValue(connection)));
            var container = service.GetBlobContainerClient(StorageNames.BooksContainer);
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            var blobName = parse.GetValue(name) ?? file.Name;
            await using var stream = file.OpenRead();
            var uploaded = await container.GetBlobClient(blobName).UploadAsync(stream,
                new BlobUploadOptions { Metadata = overrides.ToDictionary(), HttpHeaders = new BlobHttpHeaders { ContentType = "text/plain" } },
                cancellationToken);

            var jobId = JobIds.For(blobName, uploaded.Value.ETag);
            AnsiConsole.MarkupLineInterpolated($"Uploaded [bold]{blobName}[/] ({file.Length:N0} bytes) to {StorageNames.BooksContainer}.");
            // Plain lines, never wrapped, so a script can take the id: bertsl upload book.txt | tail -1
            Console.WriteLine($"Follow it with: bertsl status {jobId}");
            Console.WriteLine(jobId);
            return 0;
        }));
        return command;
    }

    /// <summary>Applies the overrides to the defaults here, so a typo fails now instead of as a failed job later.</summary>
    private static void CheckOverrides(IReadOnlyDictionary<string, string> overrides)
    {
        var (prep, training) = (new PrepOptions(), new TrainingJobOptions());
        JobOverrides.Apply(overrides, prep, training);
        prep.Validate();
        training.Validate();
    }
}
