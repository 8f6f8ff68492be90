using System.CommandLine;
using Azure.Storage.Blobs;
using BertServerless.Shared.Jobs;
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
            Description = "Job option key=value, repeatable, by its status.json name (max_len=128, epochs=1, preset=tiny)",
            AllowMultipleArgumentsPerToken = true,
        };
        var connection = StorageConnection.CreateOption();

        var command = new Command("upload", "Upload a book; the pipeline turns it into a training job") { book, name, set, connection };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var file = parse.GetValue(book)!;
            var service = new BlobServiceClient(StorageConnection.Resolve(parse.GetValue(connection)));
            var blobName = parse.GetValue(name) ?? file.Name;
            var overrides = JobOverrides.ParsePairs(parse.GetValue(set) ?? []);
            var jobId = await BookUploader.UploadAsync(service, file, blobName, overrides, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"Uploaded [bold]{blobName}[/] ({file.Length:N0} bytes) to {StorageNames.BooksContainer}.");
            // Plain lines, never wrapped, so a script can take the id: bertsl upload book.txt | tail -1
            Console.WriteLine($"Follow it with: bertsl status {jobId}");
            Console.WriteLine(jobId);
            return 0;
        }));
        return command;
    }
}
