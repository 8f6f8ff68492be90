using System.CommandLine;
using Azure;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl download JOB --out DIR</c>: the final model (Hugging Face layout), or with <c>--step N</c> that step's
/// resumable checkpoint. The final one is taken only once latest.json names it, i.e. once all of its files are uploaded.
/// </summary>
public static class DownloadCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("JOB") { Description = "Job id, as printed by bertsl upload or bertsl jobs" };
        var step = new Option<int?>("--step") { Description = "Download the checkpoint of this optimizer step instead of the final model" };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Directory to write the checkpoint's files into", Required = true };
        var connection = new MonitoringConnection();

        var command = new Command("download", "Download a job's trained model or a step checkpoint") { job, step, output };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var jobId = parse.GetValue(job)!;
            if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (e.g. meditations-0123456789ab).");
            await using var services = connection.Connect(parse);
            var checkpoints = services.GetRequiredService<PipelineStorage>().Checkpoints;
            var prefix = parse.GetValue(step) is { } n
                ? n >= 0 ? BlobPaths.StepCheckpoint(jobId, n) : throw new ArgumentException("--step must not be negative.")
                : await FinalPrefixAsync(checkpoints, jobId, cancellationToken);
            var directory = parse.GetValue(output)!.FullName;
            var files = await CheckpointDownloader.DownloadAsync(checkpoints, prefix, directory, cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"Downloaded {files.Count} file(s) of {StorageNames.CheckpointsContainer}/{prefix} to [bold]{directory}[/]");
            return 0;
        }));
        return command;
    }

    private static async Task<string> FinalPrefixAsync(Azure.Storage.Blobs.BlobContainerClient checkpoints, string jobId, CancellationToken cancellationToken)
    {
        var name = BlobPaths.LatestCheckpoint(jobId);
        LatestCheckpoint latest;
        try
        {
            latest = LatestCheckpoint.Parse((await checkpoints.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToString(), name);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new InvalidOperationException($"Job {jobId} has no checkpoint yet ({StorageNames.CheckpointsContainer}/{name} is missing).");
        }
        return latest.Final ? latest.Prefix
            : throw new InvalidOperationException($"Job {jobId} has no final model yet; its newest checkpoint is step {latest.Step} of {latest.TotalSteps}: pass --step {latest.Step}.");
    }
}
