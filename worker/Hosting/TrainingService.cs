using Azure.Storage.Queues.Models;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// The training worker: receives <c>training-jobs</c> messages one at a time (one model on the GPU at once) and hands
/// each to <see cref="TrainingMessageHandler"/>; polls every <c>PollInterval</c> while the queue is empty, or stops
/// the process then when <c>ExitWhenIdle</c> is set.
/// </summary>
public sealed class TrainingService(
    PipelineStorage storage,
    TrainingMessageHandler handler,
    IOptions<TrainingWorkerOptions> options,
    IOptions<PricingOptions> pricing,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<TrainingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        settings.Validate();
        pricing.Value.Validate();
        try
        {
            await storage.EnsureCreatedAsync(stoppingToken);
            logger.LogInformation("Training worker receiving from {Queue} (visibility {Visibility}, at most {MaxDequeueCount} attempts, cache {Cache})",
                storage.TrainingJobs.Name, settings.LeaseDuration, settings.MaxDequeueCount, settings.CacheDirectory);
            while (!stoppingToken.IsCancellationRequested)
            {
                if (await TryHandleNextAsync(stoppingToken)) continue;
                if (settings.ExitWhenIdle)
                {
                    logger.LogInformation("Queue {Queue} is empty; stopping", storage.TrainingJobs.Name);
                    lifetime.StopApplication();
                    return;
                }
                await Task.Delay(settings.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Training worker stopped");
        }
        catch (Exception e)
        {
            // Storage unreachable or misconfigured at start: a non-zero exit lets the container platform see the failure and retry.
            logger.LogCritical(e, "Training worker cannot use its storage account ({Connection} settings); stopping", StorageNames.Connection);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    /// <summary>Receives and handles one message; false when the queue had none. Storage errors are logged and polled past.</summary>
    private async Task<bool> TryHandleNextAsync(CancellationToken stoppingToken)
    {
        try
        {
            QueueMessage? message = (await storage.TrainingJobs.ReceiveMessageAsync(options.Value.LeaseDuration, stoppingToken)).Value;
            if (message is null) return false;
            await handler.HandleAsync(message, stoppingToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // The handler settles every job outcome itself; what reaches here is storage failing while it did so.
            logger.LogError(e, "Handling the next message of {Queue} failed; polling again", storage.TrainingJobs.Name);
            return false;
        }
    }
}
