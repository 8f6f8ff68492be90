using Azure;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Prep;

namespace BertServerless.Functions.Tests;

/// <summary>Job ids, overrides, messages and state rules: no storage needed.</summary>
public sealed class JobRulesTests
{
    [Fact]
    public void For_sameNameAndETag_givesSameValidId()
    {
        var id = JobIds.For("My Book (2nd ed.).txt", new ETag("\"0x8DC\""));

        Assert.Equal(id, JobIds.For("My Book (2nd ed.).txt", new ETag("\"0x8DC\"")));
        Assert.NotEqual(id, JobIds.For("My Book (2nd ed.).txt", new ETag("\"0x8DD\"")));
        Assert.StartsWith("my-book-2nd-ed-", id);
        Assert.True(JobIds.IsValid(id));
        Assert.False(JobIds.IsValid("../other-0123456789ab"));
    }

    [Fact]
    public void Apply_knownKeys_setsOptionsCaseInsensitively()
    {
        var (prep, training) = (new PrepOptions(), new TrainingJobOptions());

        JobOverrides.Apply(new Dictionary<string, string> { ["MAXLEN"] = "128", ["epochs"] = "1", ["layout"] = "line-per-paragraph", ["training_seed"] = "7", ["maxsteps"] = "" }, prep, training);

        Assert.Equal(128, prep.MaxLen);
        Assert.Equal(1, training.Epochs);
        Assert.Equal(BertServerless.Shared.Text.BookLayout.LinePerParagraph, prep.Layout);
        Assert.Equal(7, training.Seed);
        Assert.Equal(42, prep.Seed);
        Assert.Null(training.MaxSteps);
    }

    [Fact]
    public void Apply_sharedName_setsBoth()
    {
        var (prep, training) = (new PrepOptions(), new TrainingJobOptions());

        JobOverrides.Apply([new("seed", "3")], prep, training);

        Assert.Equal((3, 3), (prep.Seed, training.Seed));
    }

    [Theory]
    [InlineData("lr", "1", "Unknown job option 'lr'")]
    [InlineData("learningrate", "fast", "LearningRate takes a number")]
    [InlineData("pairing", "random", "Pairing takes one of")]
    public void Apply_badOverride_throwsNamingIt(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => JobOverrides.Apply([new(key, value)], new PrepOptions(), new TrainingJobOptions()));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"jobId\":\"a-0123456789ab\",\"chunkIndex\":0}")]
    [InlineData("{\"jobId\":null,\"chunkIndex\":0,\"chunkCount\":1}")]
    [InlineData("{\"jobId\":\"a-0123456789ab\",\"chunkIndex\":0,\"chunkCount\":1,\"extra\":1}")]
    public void Parse_malformedMessage_throwsInvalidData(string text)
    {
        var error = Assert.Throws<InvalidDataException>(() => MessageJson.Parse<BookChunked>(text));

        Assert.Contains(nameof(BookChunked), error.Message);
    }

    [Fact]
    public void Parse_serializedMessage_roundTrips()
    {
        var message = new ShardsReady("a-0123456789ab", "a-0123456789ab/manifest.json", 3, 1234);

        Assert.Equal(message, MessageJson.Parse<ShardsReady>(MessageJson.Serialize(message)));
    }

    [Fact]
    public void MoveTo_backwardOrFromFinished_throws()
    {
        var status = JobStatus.New("a-0123456789ab", new BookSource("books", "a.txt", "e", 1), DateTimeOffset.UtcNow);
        status.MoveTo(JobState.ReadyForTraining, "ready", DateTimeOffset.UtcNow);

        Assert.False(status.MoveTo(JobState.ReadyForTraining, "again", DateTimeOffset.UtcNow));
        Assert.Throws<InvalidOperationException>(() => status.MoveTo(JobState.Preparing, "back", DateTimeOffset.UtcNow));
        status.Fail("broke", DateTimeOffset.UtcNow);
        Assert.Throws<InvalidOperationException>(() => status.MoveTo(JobState.Training, "on", DateTimeOffset.UtcNow));
        Assert.Equal(JobState.Failed, JobStatus.Parse(status.ToJson(), "status.json").State);
    }
}
