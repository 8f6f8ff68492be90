using System.Globalization;
using Azure;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// One attempt at one job: mirror the shards (and a base model or the checkpoint to resume), estimate time and cost
/// before the first step (once per job; max_cost stops it there), train with
/// <see cref="TrainingJob"/>, upload the final model, eval.json and latest.json, and mark the job succeeded. Any
/// exception leaves the job as it was for the caller to retry; files already uploaded stay valid.
/// </summary>
public sealed class TrainingJobRunner(
    PipelineStorage storage,
    JobStatusStore jobs,
    CheckpointStore checkpoints,
    IOptions<TrainingWorkerOptions> options,
    IOptions<TrainingHardware> hardware,
    IOptions<TrainingRecipe> defaults,
    IOptions<PricingOptions> pricing,
    TimeProvider time,
    ILogger<TrainingJobRunner> logger)
{
    /// <summary>
    /// Trains the job; true when it succeeded, false when a user's cancel request stopped it (the stop checkpoint
    /// uploaded, latest.json naming it; recording Cancelled is the caller's). <paramref name="cancellationToken"/>
    /// stops the training at the end of a step, with a step checkpoint that is still uploaded (a graceful stop); only
    /// <paramref name="leaseLost"/> (another trainer may own the job now) abandons uploads too. Every checkpoint write
    /// is fenced by <paramref name="owner"/>.
    /// </summary>
    public async Task<bool> RunAsync(ShardsReady ready, JobStatus status, long attempt, TrainingOwner owner, CancellationToken cancellationToken, CancellationToken leaseLost)
    {
        var jobId = ready.JobId;
        if (await TryFinishUploadedAsync(jobId, cancellationToken)) return true;
        var latest = await checkpoints.ReadLatestAsync(jobId, cancellationToken);
        var job = await PrepareAsync(ready, status.Training ?? defaults.Value, latest, cancellationToken);
        var started = Describe(job.Recipe, attempt, TrainingDevice.Resolve(job.Hardware.Device).ToString(), latest);
        await jobs.UpdateAsync(jobId, s =>
        {
            if (!s.MoveTo(JobState.Training, started, jobs.Now)) s.Note(started, jobs.Now);
        }, cancellationToken);
        logger.LogInformation("Job {JobId}: {Started}", jobId, started);
        if (latest is null && status.Estimate is null) await EstimateAsync(jobId, job, cancellationToken);

        var run = await TrainAsync(jobId, job, owner, cancellationToken, leaseLost);
        var steps = run.Outcome.State.GlobalStep;
        if (run.Outcome.Cancelled && cancellationToken.IsCancellationRequested)
            throw new OperationCanceledException($"Training of job {jobId} stopped at step {steps}.", cancellationToken);
        if (run.Outcome.Cancelled) return false;

        var prefix = await checkpoints.UploadFinalAsync(jobId, steps, job.OutputDirectory, owner, cancellationToken);
        await SucceedAsync(jobId, prefix, steps, run.Evaluation, cancellationToken);
        DeleteLocalFiles(jobId);
        return true;
    }

    /// <summary>
    /// When an earlier attempt uploaded the final model and eval.json but stopped before recording it, marks the job
    /// succeeded (a job failed for the lack of that record included) and returns true; false when there is no final model.
    /// </summary>
    public async Task<bool> TryFinishUploadedAsync(string jobId, CancellationToken cancellationToken)
    {
        var latest = await checkpoints.ReadLatestAsync(jobId, cancellationToken);
        if (latest is not { Final: true } || await checkpoints.ReadEvalAsync(jobId, cancellationToken) is not { } uploadedEval) return false;
        logger.LogInformation("Job {JobId}: final checkpoint {Prefix} is already uploaded; marking the job succeeded", jobId, latest.Prefix);
        await SucceedAsync(jobId, latest.Prefix, latest.Step, uploadedEval, cancellationToken);
        DeleteLocalFiles(jobId);
        return true;
    }

    /// <summary>Removes the job's shards, models and outputs: once it is finished, a worker that trains book after book must not keep them.</summary>
    public void DeleteLocalFiles(string jobId)
    {
        var directory = LocalDirectory(jobId);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private string LocalDirectory(string jobId) => Path.Combine(options.Value.CacheDirectory, jobId);

    /// <summary>Mirrors what the job trains from (shards; the step checkpoint to resume, else the base model) and names an empty output folder.</summary>
    private async Task<TrainingJob> PrepareAsync(ShardsReady ready, TrainingRecipe recipe, LatestCheckpoint? latest, CancellationToken cancellationToken)
    {
        recipe.Validate();
        var directory = LocalDirectory(ready.JobId);
        var shards = await DownloadShardsAsync(ready, Path.Combine(directory, "shards"), cancellationToken);
        await DownloadVocabularyAsync(ready.JobId, shards, cancellationToken);
        var resumeFrom = latest is { Final: false } ? await DownloadResumeAsync(latest, Path.Combine(directory, "resume"), cancellationToken) : null;
        // A resumed run continues its own checkpoint, and still needs the base model: the adaptation report scores it.
        var baseModel = recipe.BaseModel is { } name ? await ResolveBaseModelAsync(name, Path.Combine(directory, "base-model"), cancellationToken) : null;
        var output = Path.Combine(directory, "output");
        // A previous attempt's files would otherwise be uploaded with this one's.
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        Directory.CreateDirectory(output);
        return new TrainingJob(shards, output, recipe, hardware.Value) { ResumeFrom = resumeFrom, BaseModelDirectory = baseModel };
    }

    /// <summary>
    /// Times a few steps on this worker's device and records the estimate in the job's status, once per job (a retry or
    /// resume keeps it); a job whose estimated cost exceeds its max_cost fails here, before its first step, as bad input.
    /// </summary>
    private async Task EstimateAsync(string jobId, TrainingJob job, CancellationToken cancellationToken)
    {
        var timed = await Task.Factory.StartNew(() => job.TimeSteps(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var estimate = pricing.Value.Price(timed);
        var text = "Estimate: " + estimate.Describe();
        await jobs.UpdateAsync(jobId, s =>
        {
            s.Estimate = estimate;
            s.Note(text, jobs.Now);
        }, cancellationToken);
        logger.LogInformation("Job {JobId}: {Estimate}", jobId, text);

        if (job.Recipe.MaxCost is not { } maxCost) return;
        var c = CultureInfo.InvariantCulture;
        if (estimate.ExpectedCost is not { } cost)
            throw new InvalidDataException(string.Create(c,
                $"max_cost={maxCost} cannot be checked: this worker has no price for its profile ('{pricing.Value.Profile ?? "none configured"}'; {PricingOptions.SectionName}:Profile and {PricingOptions.SectionName}:HourlyPrice)."));
        if (cost > maxCost)
            throw new InvalidDataException(string.Create(c,
                $"The estimated cost {cost:F2} {estimate.Currency} exceeds max_cost={maxCost} {estimate.Currency} ({estimate.Describe()}); no step was trained. Lower the steps, or raise max_cost."));
    }

    private async Task<TrainingRun> TrainAsync(string jobId, TrainingJob job, TrainingOwner owner, CancellationToken cancellationToken, CancellationToken leaseLost)
    {
        // The pump outlives a stop: the checkpoint the trainer writes as it stops is what the next attempt resumes from.
        await using var pump = new TrainingProgressPump(jobId, jobs, checkpoints, owner, options.Value.StatusInterval, time, logger, leaseLost);
        // A user's cancel stops the trainer as a graceful stop does, with the same checkpoint.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, pump.CancelRequested);
        // Training is synchronous and CPU- or GPU-bound: off the thread pool's async work, on its own thread.
        var run = await Task.Factory.StartNew(() => job.Run(pump, stop.Token), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await pump.CompleteAsync();
        return run;
    }

    private async Task SucceedAsync(string jobId, string prefix, int steps, EvaluationReport evaluation, CancellationToken cancellationToken)
    {
        var message = $"Trained {steps} step(s); model in {StorageNames.CheckpointsContainer}/{prefix}";
        await jobs.UpdateAsync(jobId, status =>
        {
            status.Result = new JobResult
            {
                CheckpointPrefix = prefix, EvalBefore = evaluation.Before, EvalAfter = evaluation.After,
                ControlBefore = evaluation.ControlBefore, ControlAfter = evaluation.ControlAfter,
            };
            status.Progress ??= new JobProgress();
            status.Progress.Step = steps;
            status.Progress.TotalSteps = steps;
            status.Progress.EtaSeconds = 0;
            // Errors of earlier attempts stay in the history; the job itself did not fail.
            status.Error = null;
            // A give-up recorded before the final model was known to be whole did not stand: the model is there.
            if (status.State == JobState.Failed) status.Reopen(JobState.Training, "The final model is uploaded after all; the failure above no longer stands.", jobs.Now);
            status.MoveTo(JobState.Succeeded, message, jobs.Now);
        }, cancellationToken);
        logger.LogInformation("Job {JobId}: {Message}", jobId, message);
    }

    private async Task<string> DownloadShardsAsync(ShardsReady ready, string directory, CancellationToken cancellationToken)
    {
        var manifestText = (await storage.Shards.GetBlobClient(ready.Manifest).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        var manifest = ShardManifest.Parse(manifestText, ready.Manifest);
        var downloaded = 0;
        foreach (var entry in manifest.AllShards)
        {
            var blob = storage.Shards.GetBlobClient(BlobPaths.Shard(ready.JobId, entry.File));
            if (await BlobMirror.DownloadAsync(blob, BlobMirror.LocalPath(directory, entry.File), etag: null, cancellationToken)) downloaded++;
        }
        logger.LogInformation("Job {JobId}: {Shards} shard(s) in {Directory}, {Downloaded} downloaded", ready.JobId, manifest.AllShards.Count(), directory, downloaded);
        return directory;
    }

    /// <summary>
    /// The job's own vocabulary and its domain vocabulary report, when the intake stored them, beside the shards where
    /// <see cref="TrainingVocabulary.Select"/> and the model card find them; most jobs have neither.
    /// </summary>
    private async Task DownloadVocabularyAsync(string jobId, string shardsDirectory, CancellationToken cancellationToken)
    {
        foreach (var (name, file) in new[] { (BlobPaths.Vocabulary(jobId), CheckpointLayout.VocabFile), (BlobPaths.DomainVocabularyReport(jobId), DomainVocabulary.ReportFile) })
        {
            var path = Path.Combine(shardsDirectory, file);
            try
            {
                await storage.Jobs.GetBlobClient(name).DownloadToAsync(path, cancellationToken);
                logger.LogInformation("Job {JobId}: {File} of the job in {Path}", jobId, file, path);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>
    /// Mirrors the step checkpoint into an emptied folder: one left by an earlier attempt holds another step's files,
    /// and one this step lacks would otherwise be resumed from with the rest.
    /// </summary>
    private async Task<string?> DownloadResumeAsync(LatestCheckpoint latest, string directory, CancellationToken cancellationToken)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        return await DownloadFolderAsync(latest.Prefix, directory, _ => true, cancellationToken);
    }

    private async Task<string?> DownloadFolderAsync(string prefix, string directory, Func<string, bool> include, CancellationToken cancellationToken)
        => await BlobMirror.DownloadFolderAsync(checkpoints.Container, prefix, directory, include, cancellationToken) > 0 ? directory : null;

    /// <summary>A local directory as is, else a folder of the checkpoints container (with or without the container's name in front).</summary>
    private async Task<string> ResolveBaseModelAsync(string baseModel, string directory, CancellationToken cancellationToken)
    {
        if (Directory.Exists(baseModel)) return Path.GetFullPath(baseModel);
        var prefix = baseModel.Trim().Trim('/');
        var containerName = StorageNames.CheckpointsContainer + "/";
        if (prefix.StartsWith(containerName, StringComparison.Ordinal)) prefix = prefix[containerName.Length..];
        prefix += "/";
        if (await DownloadFolderAsync(prefix, directory, CheckpointLayout.IsNeededForBaseModel, cancellationToken) is null)
            throw new FileNotFoundException(
                $"Base model '{baseModel}' was not found: it is neither a local directory nor a folder of the '{StorageNames.CheckpointsContainer}' container (no files under '{prefix}').");
        if (!File.Exists(Path.Combine(directory, CheckpointLayout.ConfigFile)))
            throw new FileNotFoundException(
                $"Base model '{baseModel}' has no {CheckpointLayout.ConfigFile}: a Hugging Face model folder needs config.json and model.safetensors (or pytorch_model.bin).");
        return directory;
    }

    private static string Describe(TrainingRecipe recipe, long attempt, string device, LatestCheckpoint? latest)
    {
        var model = recipe.BaseModel is { } baseModel ? $"base model {baseModel}" : $"preset {recipe.Preset}";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Training attempt {attempt} on {device}: {model}, {recipe.Epochs} epoch(s), batch {recipe.BatchSize}, lr {recipe.LearningRate:G3}");
        if (recipe.GradientAccumulation > 1) text += string.Create(CultureInfo.InvariantCulture, $" × {recipe.GradientAccumulation} accumulated");
        if (recipe.MaxSteps is { } maxSteps) text += string.Create(CultureInfo.InvariantCulture, $", at most {maxSteps} steps");
        return latest is { Final: false } ? $"{text}; resuming from {latest.Prefix} (step {latest.Step})" : text + ".";
    }
}
