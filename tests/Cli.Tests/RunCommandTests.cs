using System.Text.Json.Nodes;

namespace BertServerless.Cli.Tests;

/// <summary>The README's first command, for real: Azurite, the prep functions, the worker, a trained checkpoint.</summary>
public class RunCommandTests
{
    [Fact]
    public async Task Run_sample_book_ends_with_a_downloaded_hugging_face_checkpoint()
    {
        var work = Directory.CreateTempSubdirectory("bertsl-run-").FullName;
        var result = await Bertsl.RunAsync(work, TimeSpan.FromMinutes(10), "run", "--set", "maxsteps=8", "--set", "saveevery=4");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("Succeeded", result.Stdout);
        Assert.Contains("mlm_loss", result.Stdout);
        // Each progress report is printed once, however often the status is polled before the next one.
        var progressLines = result.Stdout.Split('\n').Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(progressLines.Distinct(), progressLines);
        var final = Assert.Single(Directory.GetDirectories(Path.Combine(work, "out"))) + "/final";
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "loss.png", "README.md" })
            Assert.True(File.Exists(Path.Combine(final, file)), $"{file} missing in {final}");
        Assert.Contains("Loss curve: ", result.Stdout);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(final, "config.json")))!;
        Assert.Equal("BertForPreTraining", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal(128, config["hidden_size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_adapt_further_pre_trains_the_first_jobs_final_model_on_a_second_book_and_prints_the_adaptation_report()
    {
        var work = Directory.CreateTempSubdirectory("bertsl-adapt-").FullName;
        // domain_vocab for both jobs: the second one's words must take the slots the first one's words left free.
        // Short sequences and a small held-out share keep the two jobs' four evaluations cheap.
        var result = await Bertsl.RunAsync(work, TimeSpan.FromMinutes(10), "run", "--adapt", "--set", "max_steps=4", "--set", "save_every=0",
            "--set", "domain_vocab=10", "--set", "max_len=64", "--set", "eval_fraction=0.03");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("Adaptation report", result.Stdout);
        Assert.Contains("book held-out", result.Stdout);
        Assert.Contains("control text", result.Stdout);
        Assert.Matches(@"book held-out MLM loss \d+\.\d+ -> \d+\.\d+ \([+-]\d+\.\d%\); control \d+\.\d+ -> \d+\.\d+", result.Stdout);

        var finals = Directory.GetDirectories(Path.Combine(work, "out")).Select(d => Path.Combine(d, "final")).ToArray();
        Assert.Equal(2, finals.Length);
        var first = Assert.Single(finals, f => Path.GetFileName(Path.GetDirectoryName(f))!.StartsWith("meditations-", StringComparison.Ordinal));
        var second = Assert.Single(finals, f => f != first);
        var recipe = JsonNode.Parse(File.ReadAllText(Path.Combine(second, "trainer_state.json")))!["recipe"]!;
        Assert.Equal(first, recipe["base_model"]!.GetValue<string>());
        // Each book's own words took unused slots: the second vocabulary is the first one with ten more rows changed.
        var firstVocab = File.ReadAllLines(Path.Combine(first, "vocab.txt"));
        var secondVocab = File.ReadAllLines(Path.Combine(second, "vocab.txt"));
        var changed = firstVocab.Zip(secondVocab).Where(p => p.First != p.Second).ToArray();
        Assert.Equal(10, changed.Length);
        Assert.All(changed, p => Assert.StartsWith("[unused", p.First));
        Assert.Contains("thyself", firstVocab);
        var card = File.ReadAllText(Path.Combine(second, "README.md"));
        Assert.Contains("## Control text", card);
        Assert.Contains("## Domain vocabulary", card); // the worker found the job's report in storage
    }
}
