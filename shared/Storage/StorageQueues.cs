using Azure.Storage.Queues;

namespace BertServerless.Shared.Storage;

/// <summary>The one queue message encoding of the pipeline.</summary>
public static class StorageQueues
{
    /// <summary>
    /// Base64, because the Functions queue trigger and output bindings read and write Base64: a client that sends plain
    /// text would see its messages rejected by the trigger, and one that reads plain text would see Base64 garbage.
    /// </summary>
    public static QueueClientOptions Options() => Configure(new QueueClientOptions());

    /// <summary>Base64, and a message that is not Base64 goes to the poison queue (<see cref="UndecodableMessages"/>).</summary>
    public static QueueClientOptions Configure(QueueClientOptions options)
    {
        options.MessageEncoding = QueueMessageEncoding.Base64;
        options.MessageDecodingFailed += args => args.IsRunningSynchronously
            ? throw new NotSupportedException("The pipeline's queue clients are used asynchronously only.")
            : UndecodableMessages.MoveToPoisonAsync(args);
        return options;
    }
}
