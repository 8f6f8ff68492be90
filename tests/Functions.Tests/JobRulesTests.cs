using Azure;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Training;
using Microsoft.Extensions.Configuration;

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
        var (prep, training) = (new PrepOptions(), new TrainingRecipe());

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
        var (prep, training) = (new PrepOptions(), new TrainingRecipe());

        JobOverrides.Apply([new("seed", "3")], prep, training);

        Assert.Equal((3, 3), (prep.Seed, training.Seed));
    }

    [Theory]
    [InlineData("lr", "1", "Unknown job option 'lr'")]
    [InlineData("learningrate", "fast", "learning_rate takes a number")]
    [InlineData("pairing", "random", "pairing takes one of")]
    public void Apply_badOverride_throwsNamingIt(string key, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => JobOverrides.Apply([new(key, value)], new PrepOptions(), new TrainingRecipe()));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("phase2_fraction=0.1", "phase2_fraction=0.1 needs phase2_max_len")]
    [InlineData("phase2_fraction=1", "phase2_fraction must lie in [0, 1)")]
    [InlineData("phase2_max_len=1024", "phase2_max_len must be at most 512, the model's max_position_embeddings")]
    [InlineData("phase2_max_len=100", "phase2_max_len must be longer than max_len (128)")]
    public void ApplyAndValidate_bad_two_phase_settings_name_the_rule(string setting, string expected)
    {
        var overrides = JobOverrides.ParsePairs(["max_len=128", "preset=tiny", setting]);

        var error = Assert.Throws<ArgumentException>(() => JobOverrides.ApplyAndValidate(overrides, new PrepOptions(), new TrainingRecipe()));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ApplyAndValidate_two_phase_settings_set_prep_and_training()
    {
        var (prep, recipe) = (new PrepOptions(), new TrainingRecipe());

        JobOverrides.ApplyAndValidate(JobOverrides.ParsePairs(["max_len=128", "phase2_max_len=512", "phase2_fraction=0.1"]), prep, recipe);

        Assert.Equal((512, 0.1), (prep.Phase2MaxLen, recipe.Phase2Fraction));
    }

    [Theory]
    [InlineData("max_len")]
    [InlineData("maxlen")]
    [InlineData("MaxLen")]
    [InlineData("max-len")]
    [InlineData("prep_max_len")]
    public void Apply_snakeNameOrOldSpelling_setsTheSameKnob(string key)
    {
        var prep = new PrepOptions();

        JobOverrides.Apply([new(key, "96")], prep, new TrainingRecipe());

        Assert.Equal(96, prep.MaxLen);
        Assert.Equal(key.StartsWith("prep_", StringComparison.Ordinal) ? "prep_max_len" : "max_len", JobOverrides.CanonicalName(key));
    }

    [Fact]
    public void Apply_everyNameAndValueOfStatusJson_pastesBackIntoTheSameOptions()
    {
        var prep = new PrepOptions { MaxLen = 128, Pairing = BertServerless.Shared.Text.PairingMode.Segment, WholeWordMasking = true, MaskProbability = 0.2 };
        var recipe = new TrainingRecipe { Preset = "tiny", LearningRate = 1e-3, MaxSteps = 9, GradientAccumulation = 4, LengthBucketing = true, WarmupRatio = 0.05, Precision = TrainingPrecision.Fp16 };
        var status = JobStatus.New("a-0123456789ab", new BookSource("books", "a.txt", "e", 1), DateTimeOffset.UtcNow);
        status.Prep = prep;
        status.Training = recipe;

        // What a user sees in status.json, as key=value pairs for --set.
        var json = System.Text.Json.Nodes.JsonNode.Parse(status.ToJson())!;
        Assert.Equal("fp16", json["training"]!["precision"]!.GetValue<string>());
        var pairs = new[] { "prep", "training" }
            .SelectMany(section => json[section]!.AsObject().Select(p => KeyValuePair.Create(p.Key, p.Value!.ToString().ToLowerInvariant())))
            .Where(p => p.Key != "seed") // in both sections: --set seed= sets both, which is the point of training_seed
            .ToList();
        var (pastedPrep, pastedRecipe) = (new PrepOptions(), new TrainingRecipe());
        JobOverrides.ApplyAndValidate(pairs, pastedPrep, pastedRecipe);

        Assert.Equal(DocumentJson.Serialize(prep), DocumentJson.Serialize(pastedPrep));
        Assert.Equal(DocumentJson.Serialize(recipe), DocumentJson.Serialize(pastedRecipe));
    }

    [Fact]
    public void Knobs_configurationSection_bindsSnakeAndPascalKeysAndRejectsTypos()
    {
        var recipe = new TrainingRecipe();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Training:max_steps"] = "12", ["Training:GradientAccumulation"] = "3", ["Training:length_bucketing"] = "true",
        }).Build();

        Knobs.Apply(recipe, configuration.GetSection(TrainingRecipe.SectionName));

        Assert.Equal((12, 3, true), (recipe.MaxSteps, recipe.GradientAccumulation, recipe.LengthBucketing));
        var typo = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Training:epoch"] = "1" }).Build();
        Assert.Contains("Unknown option 'epoch'", Assert.Throws<ArgumentException>(() => Knobs.Apply(new TrainingRecipe(), typo.GetSection("Training"))).Message);
    }

    [Fact]
    public void Validate_recipeOutOfRange_namesTheKnobBySnakeName()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainingRecipe { MaxSteps = 0 }.Validate());

        Assert.StartsWith("max_steps must be at least 1", error.Message);
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
