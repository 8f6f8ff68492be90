using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Logging;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// Keeps a received message hidden while its job runs, for as long as that takes: renews the visibility timeout
/// every third of it (two spare chances before it lapses) and keeps each new pop receipt, which the final delete
/// needs. When the message is gone or another receiver holds it, <see cref="Lost"/> fires so the job stops.
/// </summary>
public sealed class MessageLease : IAsyncDisposable
{
    private readonly QueueClient _queue;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewing;
    private DateTimeOffset _hiddenUntil;

    private MessageLease(QueueClient queue, QueueMessage message, TimeSpan timeout, TimeProvider time, ILogger logger)
    {
        _queue = queue;
        _timeout = timeout;
        _time = time;
        _logger = logger;
        MessageId = message.MessageId;
        PopReceipt = message.PopReceipt;
        _hiddenUntil = message.NextVisibleOn ?? time.GetUtcNow() + timeout;
        _renewing = RenewAsync();
    }

    public string MessageId { get; }

    /// <summary>The receipt of the latest renewal; only it can delete or update the message.</summary>
    public string PopReceipt { get; private set; }

    /// <summary>Cancelled when the lease cannot be kept: someone else may be working on the message now.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Starts renewing <paramref name="message"/>, received with <paramref name="timeout"/> as its visibility timeout.</summary>
    public static MessageLease Start(QueueClient queue, QueueMessage message, TimeSpan timeout, TimeProvider time, ILogger logger)
        => new(queue, message, timeout, time, logger);

    /// <summary>Stops renewing and deletes the message: its work is done.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        try
        {
            await _queue.DeleteMessageAsync(MessageId, PopReceipt, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 400 or 404)
        {
            LogSettledElsewhere(e, "delete");
        }
    }

    /// <summary>Stops renewing and lets the message be received again after <paramref name="delay"/>.</summary>
    public async Task AbandonAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        await StopAsync();
        try
        {
            await _queue.UpdateMessageAsync(MessageId, PopReceipt, visibilityTimeout: delay, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 400 or 404)
        {
            LogSettledElsewhere(e, "return");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _lost.Dispose();
    }

    /// <summary>
    /// The message is deleted, or another receiver holds it after a lapse and settles it: nothing for this one to do,
    /// and no error of the job's (which may have succeeded; an error written onto it would be false).
    /// </summary>
    private void LogSettledElsewhere(RequestFailedException error, string action)
        => _logger.LogWarning("Could not {Action} message {MessageId} ({Code}): it is gone or another receiver holds it now, which settles it", action, MessageId, error.ErrorCode);

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _renewing;
    }

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(_timeout / 3, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    // Not cancelled by a stop: a renewal the queue applied but whose answer was dropped would leave a stale
                    // receipt, and the delete or abandon that follows the stop would fail with it.
                    var receipt = (await _queue.UpdateMessageAsync(MessageId, PopReceipt, visibilityTimeout: _timeout, cancellationToken: CancellationToken.None)).Value;
                    PopReceipt = receipt.PopReceipt;
                    _hiddenUntil = receipt.NextVisibleOn;
                }
                catch (RequestFailedException e) when (e.Status is 400 or 404)
                {
                    // 404: deleted, or received by someone else after a lapse (new pop receipt); 400: receipt mismatch.
                    _logger.LogError(e, "Lost message {MessageId}: it was deleted or taken by another receiver", MessageId);
                    await _lost.CancelAsync();
                    return;
                }
                catch (Exception e) when (StorageFailures.IsStorageFailure(e))
                {
                    // Transient (the SDK retried already): the next tick tries again, unless the message is visible by now.
                    if (_time.GetUtcNow() < _hiddenUntil)
                    {
                        _logger.LogWarning(e, "Renewing message {MessageId} failed; retrying before it becomes visible at {VisibleOn}", MessageId, _hiddenUntil);
                        continue;
                    }
                    _logger.LogError(e, "Lost message {MessageId}: it became visible again at {VisibleOn} before it could be renewed", MessageId, _hiddenUntil);
                    await _lost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped by Complete, Abandon or Dispose.
        }
    }
}
