using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Tests;

namespace BertServerless.Functions.Tests;

/// <summary>End to end through the local runner on a real Azurite: upload → chunks → shards → one training request.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PipelineTests(AzuriteFixture azurite)
{
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);

    [Fact]
    public async Task Upload_book_sendsOneShardsReadyWithManifestAndReadableShards()
    {
        var (_, jobId) = await azurite.UploadAsync("meditations.txt", Meditations);

        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0);

        var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobState.ReadyForTraining, status!.State);
        Assert.Equal(128, status.Prep!.MaxLen);
        Assert.True(status.PrepStats!.Sequences > 1000);
        var message = Assert.Single(await azurite.TrainingMessagesAsync(jobId));
        Assert.Equal(BlobPaths.Manifest(jobId), message.Manifest);

        var manifestText = (await azurite.Storage.Shards.GetBlobClient(message.Manifest).DownloadContentAsync()).Value.Content.ToString();
        var manifest = ShardManifest.Parse(manifestText, message.Manifest);
        Assert.Equal("meditations.txt", manifest.Source);
        Assert.Equal(message.Shards, manifest.Shards.Count);
        Assert.Equal(status.PrepStats.Sequences, manifest.Shards.Sum(s => (long)s.Sequences));
        foreach (var entry in manifest.Shards)
        {
            await using var stream = await azurite.Storage.Shards.GetBlobClient(BlobPaths.Shard(jobId, entry.File)).OpenReadAsync();
            var shard = await Shard.ReadAsync(stream, entry.File);
            Assert.Equal(entry.Sequences, shard.Sequences);
            Assert.True(shard.SequenceLength <= 128);
            Assert.Equal("128", shard.Metadata[ShardFormat.Meta.MaxLen]);
        }
    }

    [Fact]
    public async Task AcceptAsync_sameUploadDeliveredTwice_makesOneJobAndOneMessage()
    {
        var (blob, jobId) = await azurite.UploadAsync("twice.txt", Meditations);

        var ids = await Task.WhenAll(azurite.Intake.AcceptAsync(blob, CancellationToken.None), azurite.Intake.AcceptAsync(blob, CancellationToken.None));
        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0);
        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        Assert.All(ids, id => Assert.Equal(jobId, id));
        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public async Task Upload_twoBooksTogether_makesTwoJobsWithOneMessageEach()
    {
        var uploads = await Task.WhenAll(azurite.UploadAsync("first.txt", Meditations), azurite.UploadAsync("second.txt", Meditations));

        await azurite.RunUntilAsync(async () =>
            await azurite.IsFinishedPrepAsync(uploads[0].JobId) && await azurite.IsFinishedPrepAsync(uploads[1].JobId)
            && await azurite.PrepChunksWaitingAsync() == 0);

        Assert.NotEqual(uploads[0].JobId, uploads[1].JobId);
        foreach (var (_, jobId) in uploads)
        {
            Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
            Assert.Single(await azurite.TrainingMessagesAsync(jobId));
        }
    }

    [Fact]
    public async Task Upload_bookOfSeveralChunks_sendsOneMessageForAllChunks()
    {
        var metadata = new Dictionary<string, string> { ["chunkchars"] = "100000" };
        var (_, jobId) = await azurite.UploadAsync("sherlock.txt", File.ReadAllBytes(TestData.Sherlock), metadata);

        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0, seconds: 90);

        var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobState.ReadyForTraining, status!.State);
        Assert.True(status.Chunks >= 4, $"expected several chunks, got {status.Chunks}");
        Assert.Equal(100_000, status.Prep!.ChunkChars);
        var message = Assert.Single(await azurite.TrainingMessagesAsync(jobId));
        Assert.True(message.Shards >= status.Chunks);
    }

    [Theory]
    [InlineData("empty.txt", new byte[0], "empty")]
    [InlineData("binary.bin", new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x01, 0x02, 0x00 }, "binary.bin")]
    public async Task Upload_unreadableBook_failsJobWithReasonAndSendsNothing(string name, byte[] content, string reason)
    {
        var (blob, jobId) = await azurite.UploadAsync(name, content);

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobState.Failed, status!.State);
        Assert.Contains(reason, status.Error);
        Assert.Empty(await azurite.TrainingMessagesAsync(jobId));
        Assert.Equal(0, await azurite.PrepChunksWaitingAsync());
    }

    [Theory]
    [InlineData("maxlen", "long", "max_len takes a whole number")]
    [InlineData("epochz", "1", "Unknown job option 'epochz'")]
    [InlineData("maxlen", "4", "max_len must be between 8 and 8192")]
    public async Task Upload_badMetadataOverride_failsJobNamingTheOption(string key, string value, string reason)
    {
        var (blob, jobId) = await azurite.UploadAsync($"bad-{key}-{value}.txt", Meditations, new Dictionary<string, string> { [key] = value });

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobState.Failed, status!.State);
        Assert.Contains(reason, status.Error);
    }

    [Fact]
    public async Task BuildShards_malformedMessage_landsInPoisonQueue()
    {
        const string malformed = "{\"jobId\":\"no-such-job\",\"chunk\":3}";
        await azurite.Storage.PrepChunks.SendMessageAsync(malformed);

        await azurite.RunUntilAsync(async () =>
            (await azurite.Storage.PrepChunksPoison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString() == malformed));

        Assert.Equal(0, await azurite.PrepChunksWaitingAsync());
        await Assert.ThrowsAsync<InvalidDataException>(() => azurite.Builder.BuildAsync(malformed, CancellationToken.None));
    }

    [Fact]
    public async Task BuildShards_chunkFailingEveryAttempt_failsTheJobAndLandsInPoisonQueue()
    {
        var (blob, jobId) = await azurite.UploadAsync("lost-chunk.txt", File.ReadAllBytes(TestData.Meditations));
        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);
        // The chunk's text vanishes before it is built: every attempt fails, not for the book's fault.
        await azurite.Storage.Shards.DeleteBlobAsync(BlobPaths.ChunkText(jobId, 0));

        await azurite.RunUntilAsync(async () => (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State == JobState.Failed);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Contains("Chunk 0 of 1 failed 2 times", status.Error);
        Assert.Contains(StorageNames.PoisonQueue(StorageNames.PrepChunksQueue), status.Error);
        Assert.Contains((await azurite.Storage.PrepChunksPoison.PeekMessagesAsync(32)).Value, m => m.Body.ToString().Contains(jobId));
        Assert.Empty(await azurite.TrainingMessagesAsync(jobId));
    }

    [Fact]
    public void HostJson_maxDequeueCount_matchesTheCodesAttempts()
    {
        var hostJson = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(TestData.RepoRoot, "functions", "host.json")))!;
        Assert.Equal(StorageNames.PrepChunksMaxDequeueCount, hostJson["extensions"]!["queues"]!["maxDequeueCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task BuildShards_everyChunkTwiceAtOnce_sendsExactlyOneMessage()
    {
        var (blob, jobId) = await azurite.UploadAsync("race.txt", File.ReadAllBytes(TestData.Sherlock), new Dictionary<string, string> { ["chunkchars"] = "150000" });
        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);
        // Deliver every chunk twice, all at once, bypassing the queue: the finishers race for the gate.
        await azurite.Storage.PrepChunks.ClearMessagesAsync();
        var chunks = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Chunks!.Value;
        var messages = Enumerable.Range(0, chunks).SelectMany(i => new[] { i, i })
            .Select(i => MessageJson.Serialize(new BookChunked(jobId, i, chunks)));

        await Task.WhenAll(messages.Select(m => Task.Run(() => azurite.Builder.BuildAsync(m, CancellationToken.None))));

        Assert.True(chunks > 1);
        Assert.Equal(JobState.ReadyForTraining, (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.State);
        Assert.Single(await azurite.TrainingMessagesAsync(jobId));
    }
}
