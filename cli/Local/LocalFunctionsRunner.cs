using Azure;
using Azure.Storage.Queues.Models;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Cli.Local;

/// <summary>
/// The Functions host's part, for machines without Azure Functions Core Tools: drives the same services the functions
/// call (<see cref="BookIntake"/> for SplitBook, <see cref="ChunkShardBuilder"/> for BuildShards) against any storage
/// account. It lists the books container each pass rather than relying on blob-trigger polling, which was seen
/// missing about one blob in ten uploaded 250 ms apart; accepting a known upload again is a no-op (the job-id gate).
/// </summary>
public sealed class LocalFunctionsRunner(
    PipelineStorage storage,
    BookIntake intake,
    ChunkShardBuilder builder,
    IOptions<LocalRunnerOptions> options,
    ILogger<LocalFunctionsRunner> logger)
{
    // Uploads (name + ETag) accepted by this process, so each pass only reads new or replaced books.
    private readonly HashSet<string> _accepted = [];

    /// <summary>Creates the containers and queues, then polls until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        try
        {
            await SurvivingStorageAsync(async token => { await storage.EnsureCreatedAsync(token); return 0; }, cancellationToken);
            logger.LogInformation("Local runner polling {Container} and {Queue} every {Interval}",
                StorageNames.BooksContainer, StorageNames.PrepChunksQueue, options.Value.PollInterval);
            do
            {
                // Drain the queue before waiting again: a book fans out into many chunk messages at once.
                while (await SurvivingStorageAsync(PollOnceAsync, cancellationToken) > 0) { }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        // The SDK raises its MessageDecodingFailed handler inside a receive and wraps what the handler throws, so a stop
        // that lands while an undecodable message is being moved arrives as an AggregateException of cancellations.
        catch (Exception e) when (cancellationToken.IsCancellationRequested && IsCancellation(e))
        {
            logger.LogInformation("Local runner stopped");
        }
    }

    private static bool IsCancellation(Exception e)
        => e is OperationCanceledException || e is AggregateException aggregate && aggregate.InnerExceptions.All(x => x is OperationCanceledException);

    /// <summary>
    /// Runs <paramref name="pass"/> until it gets through storage: an outage or a throttle is logged and the pass tried again after
    /// a growing pause (<see cref="LocalRunnerOptions.PollInterval"/> doubled up to <see cref="LocalRunnerOptions.MaxBackoff"/>),
    /// as the Functions host keeps polling; the runner ends only when cancelled.
    /// </summary>
    private async Task<int> SurvivingStorageAsync(Func<CancellationToken, Task<int>> pass, CancellationToken cancellationToken)
    {
        var backoff = options.Value.PollInterval;
        for (var failures = 1; ; failures++)
        {
            try
            {
                return await pass(cancellationToken);
            }
            catch (Exception e) when (StorageFailures.IsStorageFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.Value.MaxBackoff.Ticks));
                logger.LogWarning(e, "Storage failed during a pass ({Failures} in a row); trying again in {Backoff}", failures, backoff);
                await Task.Delay(backoff, cancellationToken);
            }
        }
    }

    /// <summary>One pass: accept new uploads, then handle one batch of chunk messages. Returns how many items it handled.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
        => await AcceptNewBooksAsync(cancellationToken) + await HandleChunkBatchAsync(cancellationToken);

    private async Task<int> AcceptNewBooksAsync(CancellationToken cancellationToken)
    {
        var handled = 0;
        await foreach (var blob in storage.Books.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var upload = $"{blob.Name}\n{blob.Properties.ETag}";
            if (_accepted.Contains(upload)) continue;
            try
            {
                await intake.AcceptAsync(storage.Books.GetBlobClient(blob.Name), cancellationToken);
                _accepted.Add(upload);
                handled++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // As the blob trigger would: log and try again on a later pass.
                logger.LogError(e, "Accepting {Blob} failed; retrying on the next pass", blob.Name);
            }
        }
        return handled;
    }

    private async Task<int> HandleChunkBatchAsync(CancellationToken cancellationToken)
    {
        var batch = Math.Clamp(options.Value.Concurrency, 1, 32);
        QueueMessage[] messages = (await storage.PrepChunks.ReceiveMessagesAsync(batch, options.Value.LeaseDuration, cancellationToken)).Value;
        await Task.WhenAll(messages.Select(m => Task.Run(() => HandleChunkAsync(m, cancellationToken), cancellationToken)));
        return messages.Length;
    }

    private async Task HandleChunkAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var text = message.Body.ToString();
        try
        {
            await builder.BuildAsync(text, cancellationToken);
            await storage.PrepChunks.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (message.DequeueCount >= options.Value.MaxDequeueCount)
            {
                logger.LogError(e, "Chunk message {MessageId} failed {Attempts} times; moving it to {Queue}",
                    message.MessageId, message.DequeueCount, storage.PrepChunksPoison.Name);
                await builder.RecordGivenUpAsync(text, message.DequeueCount, e, cancellationToken);
                await storage.PrepChunksPoison.SendMessageAsync(text, cancellationToken);
                await storage.PrepChunks.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            }
            else
            {
                logger.LogWarning(e, "Chunk message {MessageId} failed (attempt {Attempt} of {Max}); retrying in {Delay}",
                    message.MessageId, message.DequeueCount, options.Value.MaxDequeueCount, options.Value.RetryDelay);
                await storage.PrepChunks.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: options.Value.RetryDelay, cancellationToken: cancellationToken);
            }
        }
    }
}
