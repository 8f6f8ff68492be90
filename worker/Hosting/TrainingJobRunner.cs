using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// One attempt at one job: mirror the shards (and a base model or the checkpoint to resume), train with
/// <see cref="TrainingJob"/>, upload the final model, eval.json and latest.json, and mark the job succeeded. Any
/// exception leaves the job as it was for the caller to retry; files already uploaded stay valid.
/// </summary>
public sealed class TrainingJobRunner(
    PipelineStorage storage,
    JobStatusStore jobs,
    CheckpointStore checkpoints,
    IOptions<TrainingWorkerOptions> options,
    IOptions<TrainingJobOptions> defaults,
    TimeProvider time,
    ILogger<TrainingJobRunner> logger)
{
    // Nothing trains on from a base model's optimizer moments; they would only double the download.
    private static readonly IReadOnlySet<string> NotForBaseModel = new HashSet<string> { OptimizerStateFile.FileName };
    private static readonly IReadOnlySet<string> Everything = new HashSet<string>();

    public async Task RunAsync(ShardsReady ready, JobStatus status, long attempt, CancellationToken cancellationToken)
    {
        var jobId = ready.JobId;
        var latest = await checkpoints.ReadLatestAsync(jobId, cancellationToken);
        if (latest is { Final: true } && await checkpoints.ReadEvalAsync(jobId, cancellationToken) is { } uploadedEval)
        {
            // An earlier attempt uploaded everything but stopped before recording it: finish its bookkeeping only.
            logger.LogInformation("Job {JobId}: final checkpoint {Prefix} is already uploaded; marking the job succeeded", jobId, latest.Prefix);
            await SucceedAsync(jobId, latest.Prefix, latest.Step, uploadedEval, cancellationToken);
            return;
        }

        var settings = status.Training ?? defaults.Value;
        settings.Validate();
        var directory = LocalDirectory(jobId);
        var shards = await DownloadShardsAsync(ready, Path.Combine(directory, "shards"), cancellationToken);
        var resumeFrom = latest is { Final: false }
            ? await DownloadFolderAsync(latest.Prefix, Path.Combine(directory, "resume"), Everything, cancellationToken)
            : null;
        // A resumed run continues its own checkpoint; the base model it started from is already in it.
        var baseModel = resumeFrom is null && settings.BaseModel is { } name ? await ResolveBaseModelAsync(name, Path.Combine(directory, "base-model"), cancellationToken) : null;
        var output = Path.Combine(directory, "output");
        // A previous attempt's files would otherwise be uploaded with this one's.
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.CreateDirectory(output);

        var trainingOptions = ToTrainingOptions(settings);
        var job = new TrainingJob(shards, output, Vocabulary(resumeFrom, baseModel), trainingOptions)
        {
            InitModel = baseModel,
            Config = settings.Preset,
            ResumeFrom = resumeFrom,
        };
        var started = Describe(settings, attempt, TrainingDevice.Resolve(trainingOptions.Device).ToString(), latest);
        await jobs.UpdateAsync(jobId, s =>
        {
            if (!s.MoveTo(JobState.Training, started, jobs.Now)) s.Note(started, jobs.Now);
        }, cancellationToken);
        logger.LogInformation("Job {JobId}: {Started}", jobId, started);

        TrainingReport report;
        await using (var pump = new TrainingProgressPump(jobId, jobs, checkpoints, options.Value.StatusInterval, time, logger, cancellationToken))
        {
            // Training is synchronous and CPU- or GPU-bound: off the thread pool's async work, on its own thread.
            report = await Task.Factory.StartNew(() => job.Run(pump, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await pump.CompleteAsync();
        }
        var steps = report.Outcome.State.GlobalStep;
        if (report.Outcome.Cancelled)
            throw new OperationCanceledException($"Training of job {jobId} stopped at step {steps}.", cancellationToken);

        var prefix = await checkpoints.UploadFinalAsync(jobId, steps, output, cancellationToken);
        var eval = JsonSerializer.SerializeToNode(report) as JsonObject ?? [];
        await SucceedAsync(jobId, prefix, steps, eval, cancellationToken);
        DeleteLocalFiles(jobId);
    }

    /// <summary>Removes the job's shards, models and outputs: once it is finished, a worker that trains book after book must not keep them.</summary>
    public void DeleteLocalFiles(string jobId)
    {
        var directory = LocalDirectory(jobId);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private string LocalDirectory(string jobId) => Path.Combine(options.Value.CacheDirectory, jobId);

    private async Task SucceedAsync(string jobId, string prefix, int steps, JsonObject eval, CancellationToken cancellationToken)
    {
        var message = $"Trained {steps} step(s); model in {StorageNames.CheckpointsContainer}/{prefix}";
        await jobs.UpdateAsync(jobId, status =>
        {
            status.Result = new TrainingResult
            {
                CheckpointPrefix = prefix,
                EvalBefore = eval["before"]?.DeepClone() as JsonObject,
                EvalAfter = eval["after"]?.DeepClone() as JsonObject,
            };
            status.Progress ??= new JobProgress();
            status.Progress.Step = steps;
            status.Progress.TotalSteps = steps;
            status.Progress.EtaSeconds = 0;
            // Errors of earlier attempts stay in the history; the job itself did not fail.
            status.Error = null;
            status.MoveTo(JobState.Succeeded, message, jobs.Now);
        }, cancellationToken);
        logger.LogInformation("Job {JobId}: {Message}", jobId, message);
    }

    private async Task<string> DownloadShardsAsync(ShardsReady ready, string directory, CancellationToken cancellationToken)
    {
        var manifestText = (await storage.Shards.GetBlobClient(ready.Manifest).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        var manifest = ShardManifest.Parse(manifestText, ready.Manifest);
        var downloaded = 0;
        foreach (var entry in manifest.Shards)
        {
            var blob = storage.Shards.GetBlobClient(BlobPaths.Shard(ready.JobId, entry.File));
            if (await BlobMirror.DownloadAsync(blob, BlobMirror.LocalPath(directory, entry.File), entry.Bytes, cancellationToken)) downloaded++;
        }
        logger.LogInformation("Job {JobId}: {Shards} shard(s) in {Directory}, {Downloaded} downloaded", ready.JobId, manifest.Shards.Count, directory, downloaded);
        return directory;
    }

    private async Task<string?> DownloadFolderAsync(string prefix, string directory, IReadOnlySet<string> skip, CancellationToken cancellationToken)
        => await BlobMirror.DownloadFolderAsync(checkpoints.Container, prefix, directory, skip, cancellationToken) > 0 ? directory : null;

    /// <summary>A local directory as is, else a folder of the checkpoints container (with or without the container's name in front).</summary>
    private async Task<string> ResolveBaseModelAsync(string baseModel, string directory, CancellationToken cancellationToken)
    {
        if (Directory.Exists(baseModel)) return Path.GetFullPath(baseModel);
        var prefix = baseModel.Trim().Trim('/');
        var containerName = StorageNames.CheckpointsContainer + "/";
        if (prefix.StartsWith(containerName, StringComparison.Ordinal)) prefix = prefix[containerName.Length..];
        prefix += "/";
        if (await DownloadFolderAsync(prefix, directory, NotForBaseModel, cancellationToken) is null)
            throw new FileNotFoundException(
                $"Base model '{baseModel}' was not found: it is neither a local directory nor a folder of the '{StorageNames.CheckpointsContainer}' container (no files under '{prefix}').");
        if (!File.Exists(Path.Combine(directory, HfCheckpoint.ConfigFileName)))
            throw new FileNotFoundException(
                $"Base model '{baseModel}' has no {HfCheckpoint.ConfigFileName}: a Hugging Face model folder needs config.json and model.safetensors (or pytorch_model.bin).");
        return directory;
    }

    /// <summary>The vocabulary travels with the model: a resumed checkpoint's, else the base model's, else bert-base-uncased.</summary>
    private static string Vocabulary(string? resumeFrom, string? baseModel)
        => new[] { resumeFrom, baseModel }
               .OfType<string>()
               .Select(d => Path.Combine(d, HfCheckpoint.VocabFileName))
               .FirstOrDefault(File.Exists)
           ?? DefaultVocabulary.FilePath();

    private TrainingOptions ToTrainingOptions(TrainingJobOptions settings) => new()
    {
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize,
        LearningRate = settings.LearningRate,
        MaxSteps = settings.MaxSteps ?? 0,
        Seed = settings.Seed,
        SaveEvery = settings.SaveEvery,
        Device = options.Value.Device,
        Bf16 = options.Value.Bf16,
        Threads = options.Value.Threads,
        LogEvery = options.Value.LogEvery,
    };

    private static string Describe(TrainingJobOptions settings, long attempt, string device, LatestCheckpoint? latest)
    {
        var model = settings.BaseModel is { } baseModel ? $"base model {baseModel}" : $"preset {settings.Preset}";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Training attempt {attempt} on {device}: {model}, {settings.Epochs} epoch(s), batch {settings.BatchSize}, lr {settings.LearningRate:G3}");
        if (settings.MaxSteps is { } maxSteps) text += string.Create(CultureInfo.InvariantCulture, $", at most {maxSteps} steps");
        return latest is { Final: false } ? $"{text}; resuming from {latest.Prefix} (step {latest.Step})" : text + ".";
    }
}
