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
}
