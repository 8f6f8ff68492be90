using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using BertServerless.Shared.Contracts;

namespace BertServerless.Shared.Storage;

/// <summary>
/// The queue clients' <see cref="QueueClientOptions.MessageDecodingFailed"/> handler. Without it a message that is not
/// Base64 throws inside every receive and returns after every visibility timeout for ever, blocking the queue's
/// other messages and, in Azure, starting a KEDA execution each time. It moves the raw message, with the reason,
/// to the queue's poison queue and deletes it; the receive then returns the other messages.
/// </summary>
public static class UndecodableMessages
{
    /// <summary>Raw text kept in the poison message: Base64 of it must stay under the 64 KiB message limit.</summary>
    public const int MaxBodyChars = 16 * 1024;

    public static async Task MoveToPoisonAsync(QueueMessageDecodingFailedEventArgs args)
    {
        // A peek cannot delete: the next receive moves the message.
        if (args.ReceivedMessage is not { } message) return;
        var body = message.Body.ToString();
        var reason = $"Message {message.MessageId} is not Base64, the encoding every {StorageNames.Connection} queue uses; " +
                     $"it was received {message.DequeueCount} time(s) and {body.Length} characters long.";
        var poisoned = new MessageUndecodable(args.Queue.Name, reason, body.Length <= MaxBodyChars ? body : body[..MaxBodyChars]);
        var poison = args.Queue.GetParentQueueServiceClient().GetQueueClient(StorageNames.PoisonQueue(args.Queue.Name));
        await poison.SendMessageAsync(MessageJson.Serialize(poisoned), args.CancellationToken);
        await args.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
    }
}
