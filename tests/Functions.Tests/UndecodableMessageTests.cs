using Azure.Storage.Queues;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Storage;

namespace BertServerless.Functions.Tests;

/// <summary>A message that is not Base64, sent by a raw client, goes to the poison queue with its reason, once.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UndecodableMessageTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(StorageNames.PrepChunksQueue, 40)]
    [InlineData(StorageNames.TrainingJobsQueue, 40)]
    [InlineData(StorageNames.PrepChunksQueue, 60_000)]
    public async Task Receive_nonBase64Message_movesItToPoisonWithReasonAndDeletesIt(string queueName, int length)
    {
        var garbage = ("%%% not base64, ünïcödé !!! " + new string('x', length)).Substring(0, length);
        var raw = new QueueClient(azurite.ConnectionString, queueName);
        await raw.SendMessageAsync(garbage);
        var queue = queueName == StorageNames.PrepChunksQueue ? azurite.Storage.PrepChunks : azurite.Storage.TrainingJobs;
        var poison = queueName == StorageNames.PrepChunksQueue ? azurite.Storage.PrepChunksPoison : azurite.Storage.TrainingJobsPoison;

        var received = (await queue.ReceiveMessagesAsync(32)).Value;

        Assert.DoesNotContain(received, m => m.Body.ToString() == garbage);
        Assert.DoesNotContain((await raw.PeekMessagesAsync(32)).Value, m => m.Body.ToString() == garbage);
        var moved = (await poison.ReceiveMessagesAsync(32)).Value
            .Select(m => (Message: m, Body: TryParse(m.Body.ToString())))
            .Single(m => m.Body is { } body && garbage.StartsWith(body.Body, StringComparison.Ordinal));
        Assert.Equal(queueName, moved.Body!.Queue);
        Assert.Contains("is not Base64", moved.Body.Reason);
        Assert.Equal(Math.Min(length, UndecodableMessages.MaxBodyChars), moved.Body.Body.Length);
        await poison.DeleteMessageAsync(moved.Message.MessageId, moved.Message.PopReceipt);
        foreach (var message in received) await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
    }

    [Fact]
    public async Task LocalRunner_nonBase64ChunkMessage_keepsRunningAndPoisonsItOnce()
    {
        const string garbage = "<<definitely not base64>>";
        await new QueueClient(azurite.ConnectionString, StorageNames.PrepChunksQueue).SendMessageAsync(garbage);

        await azurite.RunUntilAsync(async () => (await azurite.Storage.PrepChunksPoison.PeekMessagesAsync(32)).Value
            .Any(m => TryParse(m.Body.ToString())?.Body == garbage));

        Assert.Equal(0, await azurite.PrepChunksWaitingAsync());
        Assert.Single((await azurite.Storage.PrepChunksPoison.PeekMessagesAsync(32)).Value, m => TryParse(m.Body.ToString())?.Body == garbage);
    }

    private static MessageUndecodable? TryParse(string text)
    {
        try
        {
            return MessageJson.Parse<MessageUndecodable>(text);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
