using System.Text.Json.Nodes;
using BertServerless.Tests;

namespace BertServerless.Cli.Tests;

public class TrainCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly string _work = Directory.CreateTempSubdirectory("bertsl-train-").FullName;

    [Fact]
    public async Task Train_resume_of_a_custom_vocabulary_run_needs_no_vocab_flag_and_ends_as_the_uninterrupted_run()
    {
        // A vocabulary of bert-base-uncased's size but another hash: shards made with it fail under the default one.
        var vocab = Path.Combine(_work, "custom-vocab.txt");
        var tokens = File.ReadAllLines(TestData.Vocab);
        tokens[Array.IndexOf(tokens, "[unused7]")] = "bertslcustom";
        File.WriteAllLines(vocab, tokens);
        var shards = Path.Combine(_work, "shards");
        var prep = await Bertsl.RunAsync(_work, Timeout, "prep", "--input", TestData.Meditations, "--out", shards, "--max-len", "64", "--vocab", vocab);
        Assert.True(prep.ExitCode == 0, prep.Stderr);

        string[] recipe = ["--shards", shards, "--config", "tiny", "--max-steps", "4", "--save-every", "2", "--batch-size", "8",
            "--set", "learning_rate=0.001", "--grad-accum", "2", "--device", "cpu", "--threads", "1"];
        var full = await Bertsl.RunAsync(_work, Timeout, ["train", .. recipe, "--out", "full", "--vocab", vocab]);
        Assert.True(full.ExitCode == 0, full.Stdout + full.Stderr);
        var resumed = await Bertsl.RunAsync(_work, Timeout, "train", "--shards", shards, "--out", "resumed", "--resume", Path.Combine("full", "step-000002"),
            "--device", "cpu", "--threads", "1");

        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_work, "full", "final", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(_work, "resumed", "final", "model.safetensors")));
        Assert.Equal(File.ReadAllBytes(vocab), File.ReadAllBytes(Path.Combine(_work, "resumed", "final", "vocab.txt")));
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(_work, "resumed", "final", "trainer_state.json")))!;
        Assert.Equal(0.001, state["recipe"]!["learning_rate"]!.GetValue<double>());
        Assert.Equal(2, state["recipe"]!["gradient_accumulation"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(_work, "full", "eval.json")));
        Assert.Contains("checkpoint written", full.Stdout);
    }

    [Fact]
    public async Task Prep_and_train_two_phase_as_the_readme_shows_end_in_phase_2()
    {
        var shards = Path.Combine(_work, "shards");
        var prep = await Bertsl.RunAsync(_work, Timeout, "prep", "-i", TestData.Meditations, "-o", shards, "--max-len", "64", "--phase2-max-len", "256", "--pairing", "segment");
        Assert.True(prep.ExitCode == 0, prep.Stderr);
        Assert.Matches(@"phase 2\s+│\s+[\d,]+ sequences in \d+ shards at max_len 256", prep.Stdout);

        var train = await Bertsl.RunAsync(_work, Timeout, "train", "--shards", shards, "--out", "model", "--preset", "tiny", "--max-steps", "4",
            "--phase2-fraction", "0.5", "--batch-size", "8", "--device", "cpu", "--threads", "1");

        Assert.True(train.ExitCode == 0, train.Stdout + train.Stderr);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(_work, "model", "final", "trainer_state.json")))!;
        Assert.Equal(("second", 4), (state["phase"]!.GetValue<string>(), state["global_step"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData("--no-such-flag", "1", "--no-such-flag")]
    [InlineData("--max-steps", "0", "max_steps must be at least 1")]
    [InlineData("--set", "learningrate=fast", "learning_rate takes a number")]
    [InlineData("--precision", "fp8", "precision takes one of auto, fp32, bf16, fp16")]
    [InlineData("--phase2-fraction", "1", "phase2_fraction must lie in [0, 1)")]
    [InlineData("--max-cost", "5", "max_cost is checked by the worker against its price table")]
    public async Task Train_bad_usage_exits_2_naming_the_fault(string flag, string value, string expected)
    {
        var result = await Bertsl.RunAsync(_work, Timeout, "train", "--shards", _work, "--out", "x", flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stdout + result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
