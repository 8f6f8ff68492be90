using System.CommandLine;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl run</c>: the whole system on one machine. Starts Azurite when no storage account is configured, hosts the
/// local functions runner and the training worker in this process, uploads a book, follows the job, prints the
/// evaluation before and after, and downloads the final checkpoint.
/// </summary>
public static class RunCommand
{
    /// <summary>The demo's defaults: short sequences and a tiny model trained from scratch, so two CPU cores finish in minutes.</summary>
    private static readonly Dictionary<string, string> SampleOverrides = new()
    {
        ["max_len"] = "128",
        ["preset"] = "tiny",
        // A fresh tiny model learns visibly in two epochs at 1e-3; 5e-5 is the rate for adapting a pretrained BERT.
        ["learning_rate"] = "0.001",
    };

    public static Command Create()
    {
        var book = new Option<FileInfo>("--book") { Description = "The book to train on", DefaultValueFactory = _ => new FileInfo(SampleBookPath) };
        var set = new Option<string[]>("--set", "-s")
        {
            Description = $"Job option key=value by its status.json name, repeatable (default: {string.Join(" ", SampleOverrides.Select(o => $"{o.Key}={o.Value}"))})",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Where to download the final checkpoint", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var timeout = new Option<int>("--timeout-minutes") { Description = "Give up waiting after this long", DefaultValueFactory = _ => 60 };
        var connection = StorageConnection.CreateOption();

        var command = new Command("run", "Run the whole pipeline locally: Azurite, prep functions, training worker, on a book (default: the sample)")
        {
            book, set, output, timeout, connection,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var overrides = new Dictionary<string, string>(SampleOverrides);
            // By canonical name, so --set maxlen=64 replaces the demo's max_len rather than joining it.
            foreach (var (key, value) in JobOverrides.ParsePairs(parse.GetValue(set) ?? [])) overrides[JobOverrides.CanonicalName(key)] = value;
            var configured = parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(StorageNames.Connection);
            return await RunAsync(parse.GetValue(book)!, overrides, parse.GetValue(output)!, configured,
                TimeSpan.FromMinutes(parse.GetValue(timeout)), cancellationToken);
        }));
        return command;
    }

    private static string SampleBookPath => Path.Combine(AppContext.BaseDirectory, "samples", "meditations.txt");

    private static async Task<int> RunAsync(FileInfo book, IReadOnlyDictionary<string, string> overrides, DirectoryInfo output,
        string? connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!book.Exists) throw new FileNotFoundException($"Book '{book.FullName}' does not exist.");
        await using var azurite = connection is null ? await LocalSystem.StartAzuriteAsync(dataFolder: null, cancellationToken) : null;
        connection ??= azurite!.ConnectionString;

        // The console belongs to the progress display; the services' own logs only speak up for problems.
        using var host = LocalSystem.BuildHost(connection, LogLevel.Warning);
        await host.StartAsync(cancellationToken);
        try
        {
            var blobs = host.Services.GetRequiredService<BlobServiceClient>();
            var jobId = await BookUploader.UploadAsync(blobs, book, book.Name, overrides, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"Uploaded [bold]{book.Name}[/] ({book.Length:N0} bytes); job [bold]{jobId}[/]");

            var status = await new JobFollower(host.Services.GetRequiredService<JobStatusStore>(), jobId).FollowAsync(timeout, cancellationToken);
            if (status.State != JobState.Succeeded)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Job {jobId} {status.State.ToString().ToLowerInvariant()}:[/] {status.Error ?? status.History[^1].Message}");
                return CliErrors.Failed;
            }
            EvaluationDisplay.Write(status.Result?.EvalBefore, status.Result?.EvalAfter, status.Result?.ControlBefore, status.Result?.ControlAfter);
            var local = Path.Combine(output.FullName, jobId, CheckpointLayout.FinalFolder);
            await CheckpointDownloader.DownloadAsync(host.Services.GetRequiredService<PipelineStorage>().Checkpoints, status.Result!.CheckpointPrefix!, local, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"Final checkpoint: [bold]{StorageNames.CheckpointsContainer}/{status.Result.CheckpointPrefix}[/], downloaded to [bold]{local}[/]");
            AnsiConsole.MarkupLineInterpolated($"Loss curve: [bold]{Path.Combine(local, CheckpointLayout.LossPlotFile)}[/]; model card: [bold]{Path.Combine(local, CheckpointLayout.ModelCardFile)}[/]");
            return CliErrors.Ok;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
