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
/// evaluation before and after, and downloads the final checkpoint. With <c>--adapt</c> it then teaches that model a
/// second book (its base_model the first job's downloaded final checkpoint) and prints the adaptation report.
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

    /// <summary>
    /// The second job of <c>--adapt</c>: further pre-training of the first job's model, one epoch at a lower rate,
    /// with the second book's own words in the vocabulary's unused slots.
    /// </summary>
    private static readonly Dictionary<string, string> AdaptOverrides = new()
    {
        ["max_len"] = "128",
        ["learning_rate"] = "0.0005",
        ["epochs"] = "1",
        ["domain_vocab"] = "50",
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
        var adapt = new Option<bool>("--adapt")
        {
            Description = $"Then further pre-train the trained model on a second book and print the adaptation report (second job: {string.Join(" ", AdaptOverrides.Select(o => $"{o.Key}={o.Value}"))}, base_model=the first job's final checkpoint)",
        };
        var adaptBook = new Option<FileInfo>("--adapt-book") { Description = "The second book of --adapt", DefaultValueFactory = _ => new FileInfo(SamplePath("sherlock-holmes-adventures.txt")) };

        var command = new Command("run", "Run the whole pipeline locally: Azurite, prep functions, training worker, on a book (default: the sample)")
        {
            book, set, output, timeout, connection, adapt, adaptBook,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var userSettings = JobOverrides.ParsePairs(parse.GetValue(set) ?? []);
            var configured = parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(StorageNames.Connection);
            var books = new List<(FileInfo Book, IReadOnlyDictionary<string, string> Overrides)> { (parse.GetValue(book)!, WithUserSettings(SampleOverrides, userSettings)) };
            if (parse.GetValue(adapt)) books.Add((parse.GetValue(adaptBook)!, WithUserSettings(AdaptOverrides, userSettings)));
            return await RunAsync(books, parse.GetValue(output)!, configured, TimeSpan.FromMinutes(parse.GetValue(timeout)), cancellationToken);
        }));
        return command;
    }

    private static string SampleBookPath => SamplePath("meditations.txt");

    private static string SamplePath(string file) => Path.Combine(AppContext.BaseDirectory, "samples", file);

    // By canonical name, so --set maxlen=64 replaces the demo's max_len rather than joining it.
    private static Dictionary<string, string> WithUserSettings(IReadOnlyDictionary<string, string> defaults, IEnumerable<KeyValuePair<string, string>> userSettings)
    {
        var overrides = new Dictionary<string, string>(defaults);
        foreach (var (key, value) in userSettings) overrides[JobOverrides.CanonicalName(key)] = value;
        return overrides;
    }

    /// <summary>Runs the books' jobs one after another; each one after the first further pre-trains the previous one's final model.</summary>
    private static async Task<int> RunAsync(IReadOnlyList<(FileInfo Book, IReadOnlyDictionary<string, string> Overrides)> books, DirectoryInfo output,
        string? connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var (book, _) in books)
            if (!book.Exists) throw new FileNotFoundException($"Book '{book.FullName}' does not exist.");
        await using var azurite = connection is null ? await LocalSystem.StartAzuriteAsync(dataFolder: null, cancellationToken) : null;
        connection ??= azurite!.ConnectionString;

        // The console belongs to the progress display; the services' own logs only speak up for problems.
        using var host = LocalSystem.BuildHost(connection, LogLevel.Warning);
        await host.StartAsync(cancellationToken);
        try
        {
            string? previousFinal = null;
            JobStatus? first = null;
            foreach (var (book, defaults) in books)
            {
                var overrides = new Dictionary<string, string>(defaults);
                if (previousFinal is not null) overrides["base_model"] = previousFinal;
                if (await RunJobAsync(host.Services, book, overrides, output, timeout, cancellationToken) is not { } job) return CliErrors.Failed;
                var (status, final) = job;
                first ??= status;
                if (previousFinal is not null) AdaptationReport.Write(first, status);
                previousFinal = final;
            }
            return CliErrors.Ok;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Uploads the book, follows its job, prints its evaluation and downloads its final model; null when the job did not succeed.</summary>
    private static async Task<(JobStatus Status, string Final)?> RunJobAsync(IServiceProvider services, FileInfo book, IReadOnlyDictionary<string, string> overrides,
        DirectoryInfo output, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var blobs = services.GetRequiredService<BlobServiceClient>();
        var jobId = await BookUploader.UploadAsync(blobs, book, book.Name, overrides, cancellationToken);
        var from = overrides.TryGetValue("base_model", out var baseModel) ? $", further pre-training {baseModel}" : "";
        AnsiConsole.MarkupLineInterpolated($"Uploaded [bold]{book.Name}[/] ({book.Length:N0} bytes); job [bold]{jobId}[/]{from}");

        var status = await new JobFollower(services.GetRequiredService<JobStatusStore>(), jobId).FollowAsync(timeout, cancellationToken);
        if (status.State != JobState.Succeeded)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Job {jobId} {status.State.ToString().ToLowerInvariant()}:[/] {status.Error ?? status.History[^1].Message}");
            return null;
        }
        EvaluationDisplay.Write(status.Result?.EvalBefore, status.Result?.EvalAfter, status.Result?.ControlBefore, status.Result?.ControlAfter);
        var local = Path.Combine(output.FullName, jobId, CheckpointLayout.FinalFolder);
        await CheckpointDownloader.DownloadAsync(services.GetRequiredService<PipelineStorage>().Checkpoints, status.Result!.CheckpointPrefix!, local, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Final checkpoint: [bold]{StorageNames.CheckpointsContainer}/{status.Result.CheckpointPrefix}[/], downloaded to [bold]{local}[/]");
        AnsiConsole.MarkupLineInterpolated($"Loss curve: [bold]{Path.Combine(local, CheckpointLayout.LossPlotFile)}[/]; model card: [bold]{Path.Combine(local, CheckpointLayout.ModelCardFile)}[/]");
        return (status, local);
    }
}
