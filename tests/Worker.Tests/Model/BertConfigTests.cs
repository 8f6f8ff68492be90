using BertServerless.Worker.Model;

namespace BertServerless.Worker.Tests.Model;

public sealed class BertConfigTests : IDisposable
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("bert-config-tests-");

    public void Dispose() => temp.Delete(recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(temp.FullName, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Preset_every_name_intake_accepts_builds_with_the_position_limit_intake_checks()
    {
        // Intake (shared/, no TorchSharp) validates preset and max_len against ModelPresets; the sizes live here.
        foreach (var name in Shared.Training.ModelPresets.Names)
            Assert.Equal(Shared.Training.ModelPresets.MaxPositionEmbeddings, BertConfig.Preset(name).MaxPositionEmbeddings);
    }

    [Fact]
    public void SaveThenLoad_basePreset_sameValues()
    {
        var path = Path.Combine(temp.FullName, "config.json");
        var config = BertConfig.Preset("base");
        config.HiddenAct = "gelu_new";
        config.Save(path);

        var loaded = BertConfig.Load(path);

        Assert.Equal((30522, 768, 12, 12, 3072, 512, 2, 0), (loaded.VocabSize, loaded.HiddenSize, loaded.NumHiddenLayers,
            loaded.NumAttentionHeads, loaded.IntermediateSize, loaded.MaxPositionEmbeddings, loaded.TypeVocabSize, loaded.PadTokenId));
        Assert.Equal(("gelu_new", 0.1, 0.1, 1e-12, 0.02), (loaded.HiddenAct, loaded.HiddenDropoutProb,
            loaded.AttentionProbsDropoutProb, loaded.LayerNormEps, loaded.InitializerRange));
        Assert.Contains("\"architectures\": [\n    \"BertForPreTraining\"\n  ]", File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Load_missingSizeFields_namesThem()
    {
        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Load(Write("""{"vocab_size": 10, "hidden_size": 8, "num_attention_heads": 2}""")));
        Assert.Contains("missing field(s) num_hidden_layers, intermediate_size", error.Message);
    }

    [Theory]
    [InlineData("""{"vocab_size": 10, "hidden_size": 9, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4}""", "not a multiple")]
    [InlineData("""{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4, "hidden_act": "swish"}""", "hidden_act 'swish'")]
    [InlineData("""{"vocab_size": "ten", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4}""", "vocab_size")]
    [InlineData("""{"model_type": "roberta", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 4}""", "model_type")]
    [InlineData("""{"vocab_size": 10,""", "not valid JSON")]
    public void Load_invalidValue_explains(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Load(Write(json)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void FromPresetOrPath_directoryOrPreset_resolvesBoth()
    {
        BertConfig.Preset("mini", vocabSize: 100).Save(Path.Combine(temp.FullName, "config.json"));

        Assert.Equal(256, BertConfig.FromPresetOrPath(temp.FullName).HiddenSize);
        Assert.Equal(512, BertConfig.FromPresetOrPath("small").HiddenSize);
        Assert.Throws<ArgumentException>(() => BertConfig.FromPresetOrPath("huge"));
    }
}
