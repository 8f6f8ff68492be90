using System.Text;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Training;
using BertServerless.Tests;

namespace BertServerless.Functions.Tests;

/// <summary>
/// Bad input, uploaded as a user would, through the intake and the chunk stage on Azurite: each fails its job on the
/// first attempt with an error that names the problem, sends nothing to training and leaves the upload in place.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BadInputTests(AzuriteFixture azurite)
{
    private static readonly byte[] Meditations = File.ReadAllBytes(TestData.Meditations);

    public static TheoryData<string, string, string> Books => new()
    {
        { "empty.txt", "empty", "is empty: there is no text" },
        { "whitespace.txt", "whitespace", "contains only whitespace" },
        { "picture.png", "png", "looks like a binary file" },
        { "archive.zip", "zip", "looks like a binary file" },
        { "latin1.txt", "invalid-utf8", "is not valid UTF-8: byte 0xE9" },
        { "utf16.txt", "utf16-bom", "UTF-16" },
        { "one-sentence-paragraphs.txt", "no-pairs", "gives no next-sentence pair" },
        { "one-line.txt", "10mb-line", "line 1 is over" },
    };

    [Theory]
    [MemberData(nameof(Books))]
    public async Task Upload_unusableBook_failsJobWithSpecificErrorAndLosesNothing(string name, string kind, string reason)
    {
        var content = Content(kind);
        var (blob, jobId) = await azurite.UploadAsync($"bad-input/{name}", content);

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);
        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0, seconds: 120);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains(reason, status.Error);
        Assert.Null(status.PoisonedChunks);
        Assert.Empty(await azurite.TrainingMessagesAsync(jobId));
        Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());
    }

    public static TheoryData<string, string, string> Options => new()
    {
        { "max_len", "1024", "max_len must be between 8 and 512" },
        { "max_len", "4", "max_len must be between 8 and 8192" },
        { "preset", "huge", "preset must be one of tiny, mini, small, base" },
        { "preset", "/etc/bert/config.json", "preset must be one of" },
        { "shard_size", "2147483647", "shard_size must be between 1 and 100,000" },
        { "shard_size", "0", "shard_size must be between 1 and 100,000" },
        { "chunk_chars", "2000000000", "chunk_chars must be between 1,000 and 16,000,000" },
        { "chunk_chars", "10", "chunk_chars must be between 1,000 and 16,000,000" },
        { "epochs", "0", "epochs must be between 1 and 1000" },
        { "batch_size", "100000", "batch_size must be between 1 and 4096" },
        { "learning_rate", "2", "learning_rate must be between 0 and 1" },
        { "mask_probability", "1", "mask_probability must be between 0 and 1" },
        { "dupe_factor", "0", "dupe_factor must be between 1 and 100" },
        { "short_seq_prob", "-1", "short_seq_prob must be between 0 and 1" },
        { "warmup_ratio", "2", "warmup_ratio must lie in [0, 1]" },
        { "eval_fraction", "1", "eval_fraction must lie in [0, 1)" },
        { "save_every", "-1", "save_every must be 0" },
        { "max_steps", "0", "max_steps must be at least 1" },
        { "encoding", "klingon", "klingon" },
        { "pairing", "random", "pairing takes one of" },
        { "seed", "forty-two", "seed takes a whole number" },
        { "unknown_knob", "1", "Unknown job option 'unknown_knob'" },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public async Task Upload_optionThatCannotTrain_failsAtIntakeNamingTheKnobAndRange(string key, string value, string reason)
    {
        var (blob, jobId) = await azurite.UploadAsync($"bad-option/{key}.txt", Meditations, new Dictionary<string, string> { [key] = value });

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains(reason, status.Error);
        Assert.Null(status.Chunks);
        Assert.Equal(0, await azurite.PrepChunksWaitingAsync());
    }

    [Fact]
    public async Task Upload_baseModelWithBrokenConfig_failsAtIntake()
    {
        await azurite.Storage.Checkpoints.GetBlobClient("broken-model/config.json").UploadAsync(BinaryData.FromString("{\"hidden_size\": 64}"), overwrite: true);
        var (blob, jobId) = await azurite.UploadAsync("bad-option/broken-model.txt", Meditations, new Dictionary<string, string> { ["base_model"] = "broken-model" });

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        Assert.Contains("has no positive max_position_embeddings", (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Error);
    }

    [Fact]
    public async Task Upload_maxLenBeyondTheBaseModelsPositions_failsAtIntake()
    {
        await azurite.Storage.Checkpoints.GetBlobClient("short-model/config.json")
            .UploadAsync(BinaryData.FromString("{\"max_position_embeddings\": 128, \"hidden_size\": 64}"), overwrite: true);
        var (blob, jobId) = await azurite.UploadAsync("bad-option/short-model.txt", Meditations,
            new Dictionary<string, string> { ["base_model"] = "short-model", ["max_len"] = "256" });

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        Assert.Contains("max_len must be between 8 and 128", (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Error);
    }

    [Fact]
    public async Task Upload_phase2MaxLenBeyondTheBaseModelsPositions_failsAtIntake()
    {
        await azurite.Storage.Checkpoints.GetBlobClient("short-model-2/config.json")
            .UploadAsync(BinaryData.FromString("{\"max_position_embeddings\": 256, \"hidden_size\": 64}"), overwrite: true);
        var (blob, jobId) = await azurite.UploadAsync("bad-option/short-model-2.txt", Meditations,
            new Dictionary<string, string> { ["base_model"] = "short-model-2", ["max_len"] = "128", ["phase2_max_len"] = "512", ["phase2_fraction"] = "0.1" });

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        Assert.Contains("phase2_max_len must be at most 256, the model's max_position_embeddings (got 512)", (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!.Error);
    }

    public static TheoryData<string> HostileNames => ["..\\..\\x.txt", "%2e%2e%2fx.txt", "ünïcödé ✓ 書.txt", "with  spaces .txt", new string('n', 1000) + ".txt"];

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Upload_hostileBlobName_makesAJobWhoseFilesStayUnderItsId(string name)
    {
        var (blob, jobId) = await azurite.UploadAsync(name, Meditations);

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);
        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0, seconds: 120);

        Assert.True(JobIds.IsValid(jobId));
        var status = (await azurite.Jobs.GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobState.ReadyForTraining, status.State);
        Assert.Equal(name, status.Source.Name);
        await foreach (var shard in azurite.Storage.Shards.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = jobId }))
            Assert.StartsWith(jobId + "/", shard.Name);
    }

    private static byte[] Content(string kind) => kind switch
    {
        "empty" => [],
        "whitespace" => Encoding.UTF8.GetBytes(" \n\t\r\n   \n\n"),
        "png" => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01],
        "zip" => [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00],
        "invalid-utf8" => Encoding.Latin1.GetBytes("Caf\u00e9 au lait. Une phrase de plus.\n\nEncore un paragraphe. Et une autre phrase.\n"),
        "utf16-bom" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("A sentence here. Another one there.\n\nSecond paragraph. With two sentences.\n")],
        "no-pairs" => Encoding.UTF8.GetBytes(string.Join("\n\n", Enumerable.Range(0, 50).Select(i => $"Paragraph {i} has only one sentence, and it runs on long enough to read as prose rather than as a heading."))),
        "10mb-line" => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("word ", 2_000_000))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
