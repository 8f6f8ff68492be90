using System.Diagnostics;
using Azure.Storage.Queues.Models;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// Decides what one <see cref="ShardsReady"/> delivery means and settles it: a malformed message goes to the poison
/// queue; a finished job is acknowledged without training, and one whose final model is stored only has its success
/// recorded; a message received too often (graceful stops not counted) fails its job and is poisoned; otherwise the
/// job trains under a <see cref="MessageLease"/> and a <see cref="TrainingOwner"/> (a copy of the message for a job
/// another live trainer owns is dropped), and the message is deleted only after the final checkpoint is
/// stored, made visible again at once after a stop, or after <c>RetryDelay</c> after a transient failure; bad input
/// (<see cref="PermanentErrors"/>) fails the job at once. A job a user asked to cancel is not started, or stops at the
/// next step with its checkpoint uploaded; either way it is recorded Cancelled and its message deleted.
/// </summary>
public sealed class TrainingMessageHandler(
    PipelineStorage storage,
    JobStatusStore jobs,
    TrainingJobRunner runner,
    CheckpointStore checkpoints,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<TrainingMessageHandler> logger)
{
    public async Task HandleAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var lease = MessageLease.Start(storage.TrainingJobs, message, settings.LeaseDuration, time, logger);
        var text = message.Body.ToString();

        ShardsReady ready;
        try
        {
            ready = MessageJson.Parse<ShardsReady>(text);
            if (!JobIds.IsValid(ready.JobId)) throw new InvalidDataException($"'{ready.JobId}' is not a job id.");
        }
        catch (InvalidDataException e)
        {
            logger.LogError("Message {MessageId} is not a valid {Message}, moving it to the poison queue: {Reason}", message.MessageId, nameof(ShardsReady), e.Message);
            await PoisonAsync(lease, text, stoppingToken);
            return;
        }

        using var scope = logger.BeginScope(BertTelemetry.JobScope(ready.JobId));
        using var activity = BertTelemetry.StartJobActivity("TrainJob", ready.JobId, ActivityKind.Consumer)?.SetTag("bertsl.dequeue_count", message.DequeueCount);
        if (message.InsertedOn is { } inserted)
            BertTelemetry.QueueWait.Record(Math.Max(0, (time.GetUtcNow() - inserted).TotalSeconds), new KeyValuePair<string, object?>("queue", storage.TrainingJobs.Name));

        JobStatus? status;
        try
        {
            status = await jobs.GetAsync(ready.JobId, stoppingToken);
        }
        catch (InvalidDataException e) when (message.DequeueCount >= settings.MaxDequeueCount)
        {
            // Unreadable on every delivery: without this the message would come back for ever. The status cannot take the error.
            logger.LogError("Job {JobId}: its status cannot be read ({Reason}); moving message {MessageId} to the poison queue", ready.JobId, e.Message, message.MessageId);
            await PoisonAsync(lease, text, stoppingToken);
            return;
        }
        if (status is null)
        {
            logger.LogError("Message {MessageId} names job {JobId}, which has no status; moving it to the poison queue", message.MessageId, ready.JobId);
            await PoisonAsync(lease, text, stoppingToken);
            return;
        }
        // A failed job whose final model is stored anyway (a give-up that should not have been) is completed by a replay, below.
        if (status.IsFinished && !(status.State == JobState.Failed && await checkpoints.IsFinalUploadedAsync(ready.JobId, stoppingToken)))
        {
            // At-least-once delivery: a copy of a message whose job is done is acknowledged, not trained again.
            logger.LogInformation("Job {JobId} is already {State}; deleting the repeated message {MessageId}", ready.JobId, status.State, message.MessageId);
            await lease.CompleteAsync(stoppingToken);
            return;
        }
        // Before the give-up below: a job whose final model is uploaded is finished, whatever the count (or an earlier give-up) says.
        if (await runner.TryFinishUploadedAsync(ready.JobId, stoppingToken))
        {
            await lease.CompleteAsync(CancellationToken.None);
            return;
        }
        if (status.CancelRequested is not null)
        {
            await CancelAsync(ready.JobId, stoppingToken);
            await lease.CompleteAsync(stoppingToken);
            return;
        }
        // Graceful stops (preemption, scale-in, an execution's timeout) handed the message back on purpose: not failed attempts.
        var attempt = message.DequeueCount - status.TrainingStops;
        if (attempt > settings.MaxDequeueCount)
        {
            // Earlier receivers died without recording an outcome (killed, out of memory, timed out).
            var reason = $"Training gave up after {settings.MaxDequeueCount} attempt(s); last error: {status.Error ?? "none recorded (the worker stopped or was stopped mid-training)"}";
            await GiveUpAsync(lease, ready.JobId, text, reason, stoppingToken);
            return;
        }

        await using var owner = await TrainingOwner.TryAcquireAsync(storage.Jobs, ready.JobId, message.MessageId, time, logger, stoppingToken);
        if (owner is null)
        {
            // A second ShardsReady for a job another receiver trains: that receiver's message settles the job (and comes
            // back by itself if its trainer dies), so this copy is dropped, not retried: retries would spend the job's attempts.
            logger.LogInformation("Job {JobId}: another trainer owns it; deleting the copy {MessageId}", ready.JobId, message.MessageId);
            await lease.CompleteAsync(stoppingToken);
            return;
        }
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(lease.Lost, owner.Lost);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lost.Token);
        try
        {
            // Not cancellable once trained: the job is done, and a stop now would only cause a needless redelivery.
            if (!await runner.RunAsync(ready, status, attempt, owner, cancel.Token, lost.Token)) await CancelAsync(ready.JobId, CancellationToken.None);
            // Free before the message is gone: a message sent for the job next (a resume after a cancel) must not find it held.
            await owner.ReleaseAsync();
            await lease.CompleteAsync(CancellationToken.None);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // Another trainer has the message or the job now: it settles both, and this one writes nothing more.
            logger.LogWarning("Job {JobId}: stopped training, message {MessageId} is no longer ours", ready.JobId, message.MessageId);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down, the stop checkpoint uploaded: hand the message back at once, without spending an attempt;
            // the next delivery resumes from latest.json. Not cancellable: the host's ShutdownTimeout bounds it.
            logger.LogInformation("Job {JobId}: worker stopping; message {MessageId} returned to the queue", ready.JobId, message.MessageId);
            try
            {
                await jobs.UpdateAsync(ready.JobId, s =>
                {
                    s.TrainingStops++;
                    s.Note($"Training stopped (the worker was asked to stop) after attempt {attempt}; it resumes from the latest checkpoint, and the stop spends no attempt.", jobs.Now);
                }, CancellationToken.None);
            }
            finally
            {
                await owner.ReleaseAsync();
                await lease.AbandonAsync(TimeSpan.Zero, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            await owner.ReleaseAsync();
            await RetryOrGiveUpAsync(lease, attempt, ready.JobId, text, e, stoppingToken);
        }
    }

    /// <summary>Records the cancel as honoured, naming the checkpoint a resume continues from, and drops the job's local files.</summary>
    private async Task CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var latest = await checkpoints.ReadLatestAsync(jobId, cancellationToken);
        var message = latest is { Final: false }
            ? $"Cancelled at step {latest.Step}; checkpoint {StorageNames.CheckpointsContainer}/{latest.Prefix} is kept, and bertsl resume {jobId} continues from it."
            : $"Cancelled before training; bertsl resume {jobId} starts it.";
        await jobs.UpdateAsync(jobId, s => s.Cancel(message, jobs.Now), cancellationToken);
        logger.LogInformation("Job {JobId}: {Message}", jobId, message);
        runner.DeleteLocalFiles(jobId);
    }

    private async Task RetryOrGiveUpAsync(MessageLease lease, long attempt, string jobId, string text, Exception error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var permanent = PermanentErrors.IsPermanent(error);
        if ((permanent || attempt >= settings.MaxDequeueCount) && !await checkpoints.IsFinalUploadedAsync(jobId, cancellationToken))
        {
            logger.LogError(error, "Job {JobId}: attempt {Attempt} of {Max} failed; giving up", jobId, attempt, settings.MaxDequeueCount);
            var reason = permanent ? $"Training cannot run: {error.Message}" : $"Training failed {attempt} time(s); last error: {error.Message}";
            await GiveUpAsync(lease, jobId, text, reason, cancellationToken);
            return;
        }

        logger.LogWarning(error, "Job {JobId}: attempt {Attempt} of {Max} failed; retrying in {Delay}", jobId, attempt, settings.MaxDequeueCount, settings.RetryDelay);
        try
        {
            await jobs.UpdateAsync(jobId, status =>
            {
                status.Error = error.Message;
                status.Note($"Training attempt {attempt} of {settings.MaxDequeueCount} failed, retrying: {error.Message}", jobs.Now);
            }, cancellationToken);
        }
        finally
        {
            // Even if the status cannot be written, the message must come back for the retry.
            await lease.AbandonAsync(settings.RetryDelay, cancellationToken);
        }
    }

    private async Task GiveUpAsync(MessageLease lease, string jobId, string text, string reason, CancellationToken cancellationToken)
    {
        await jobs.FailAsync(jobId, reason, cancellationToken);
        logger.LogError("Job {JobId} failed, moving its message to the poison queue: {Reason}", jobId, reason);
        runner.DeleteLocalFiles(jobId);
        await PoisonAsync(lease, text, cancellationToken);
    }

    /// <summary>Copies the message to the poison queue, then deletes it: a crash in between leaves a copy, never no message.</summary>
    private async Task PoisonAsync(MessageLease lease, string text, CancellationToken cancellationToken)
    {
        await storage.TrainingJobsPoison.SendMessageAsync(text, cancellationToken);
        await lease.CompleteAsync(cancellationToken);
    }
}
