using System.Text.Json.Nodes;
using BertServerless.Shared.SafeTensors;
using BertServerless.Tests;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using BertServerless.Worker.Tests.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Checkpoints;

public sealed class HfCheckpointTests : IDisposable
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("hf-checkpoint-tests-");

    public void Dispose() => temp.Delete(recursive: true);

    private string TempDir(string name) => Path.Combine(temp.FullName, name);

    // A vocab.txt with exactly the golden model's vocab_size lines.
    private string Vocab(int lines = 1000)
    {
        var path = TempDir($"vocab-{lines}.txt");
        File.WriteAllLines(path, Enumerable.Range(0, lines).Select(i => $"token{i}"));
        return path;
    }

    // A copy of the golden safetensors model whose tensors pass through edit first.
    private string EditedCopy(string name, Func<IReadOnlyList<SafeTensor>, IEnumerable<SafeTensor>> edit)
    {
        var dir = Directory.CreateDirectory(TempDir(name)).FullName;
        File.Copy(Path.Combine(Golden.SafeTensorsModel, "config.json"), Path.Combine(dir, "config.json"));
        using var original = SafeTensorsFile.Open(Path.Combine(Golden.SafeTensorsModel, "model.safetensors"));
        new SafeTensorsFile(edit(original.Tensors).ToList(), original.Metadata).Write(Path.Combine(dir, "model.safetensors"));
        return dir;
    }

    private static void AssertSameParameters(BertForPreTraining expected, BertForPreTraining actual)
    {
        var actualState = actual.state_dict();
        foreach (var (name, tensor) in expected.state_dict())
            Assert.True(tensor.equal(actualState[name]).all().item<bool>(), $"{name} differs");
    }

    [Fact]
    public void Load_legacyBinAndSafetensors_identicalParameters()
    {
        using var modern = HfCheckpoint.Load(Golden.SafeTensorsModel);
        using var legacy = HfCheckpoint.Load(Golden.LegacyBinModel);
        AssertSameParameters(modern, legacy);
    }

    [Fact]
    public void SaveThenLoad_goldenModel_identicalParameters()
    {
        using var original = HfCheckpoint.Load(Golden.LegacyBinModel);
        HfCheckpoint.Save(original, TempDir("saved"), Vocab());
        using var reloaded = HfCheckpoint.Load(TempDir("saved"));
        AssertSameParameters(original, reloaded);
    }

    [Fact]
    public void Save_tinyModel_writesHuggingFaceLayout()
    {
        manual_seed(0);
        using var model = new BertForPreTraining(BertConfig.Preset("tiny", vocabSize: 1000));
        HfCheckpoint.Save(model, TempDir("saved"), Vocab(), doLowerCase: false);

        using var weights = SafeTensorsFile.Open(Path.Combine(TempDir("saved"), "model.safetensors"));
        Assert.Equal("pt", weights.Metadata["format"]);
        Assert.False(weights.Contains("cls.predictions.decoder.weight"));
        Assert.True(weights.Contains("bert.embeddings.word_embeddings.weight"));
        Assert.True(weights.Contains("cls.predictions.bias"));
        Assert.All(weights.Tensors, t => Assert.Equal(SafeTensorsDType.F32, t.DType));
        Assert.Equal(model.state_dict().Count - 1, weights.Tensors.Count);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TempDir("saved"), "config.json")))!;
        Assert.Equal("BertForPreTraining", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal("bert", config["model_type"]!.GetValue<string>());
        Assert.Equal(128, config["hidden_size"]!.GetValue<int>());
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(TempDir("saved"), "tokenizer_config.json")))!;
        Assert.Equal("BertTokenizer", tokenizer["tokenizer_class"]!.GetValue<string>());
        Assert.False(tokenizer["do_lower_case"]!.GetValue<bool>());
        Assert.Equal(File.ReadAllText(Vocab()), File.ReadAllText(Path.Combine(TempDir("saved"), "vocab.txt")));
        Assert.Empty(Directory.GetFiles(TempDir("saved"), "*.tmp"));
    }

    [Fact]
    public void Load_shardedSafetensors_sameAsSingleFile()
    {
        var dir = Directory.CreateDirectory(TempDir("sharded")).FullName;
        File.Copy(Path.Combine(Golden.SafeTensorsModel, "config.json"), Path.Combine(dir, "config.json"));
        using var golden = SafeTensorsFile.Open(Path.Combine(Golden.SafeTensorsModel, "model.safetensors"));
        var tensors = golden.Tensors;
        var shards = new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" };
        var weightMap = new JsonObject();
        for (var i = 0; i < tensors.Count; i++) weightMap[tensors[i].Name] = shards[i % 2];
        new SafeTensorsFile(tensors.Where((_, i) => i % 2 == 0).ToList()).Write(Path.Combine(dir, shards[0]));
        new SafeTensorsFile(tensors.Where((_, i) => i % 2 == 1).ToList()).Write(Path.Combine(dir, shards[1]));
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap }.ToJsonString());

        using var sharded = HfCheckpoint.Load(dir);
        using var single = HfCheckpoint.Load(Golden.SafeTensorsModel);
        AssertSameParameters(single, sharded);
    }

    [Theory]
    [InlineData(SafeTensorsDType.F16, ScalarType.Float16)]
    [InlineData(SafeTensorsDType.BF16, ScalarType.BFloat16)]
    public void Load_halfPrecisionWeights_widenedToFloat32(SafeTensorsDType stored, ScalarType dtype)
    {
        var dir = EditedCopy("half", tensors => tensors.Select(t =>
        {
            var narrow = HfStateDict.ToTensor(t).to(dtype);
            return new SafeTensor(t.Name, stored, t.Shape, narrow.bytes.ToArray());
        }));

        using var loaded = HfCheckpoint.Load(dir);
        using var reference = HfCheckpoint.Load(Golden.SafeTensorsModel);
        var weight = loaded.state_dict()["bert.encoder.layer.0.attention.self.query.weight"];
        Assert.Equal(ScalarType.Float32, weight.dtype);
        var expected = reference.state_dict()["bert.encoder.layer.0.attention.self.query.weight"].to(dtype).to(ScalarType.Float32);
        Assert.True(weight.equal(expected).all().item<bool>());
    }

    [Fact]
    public void Load_missingAndUnexpectedKeys_errorListsThem()
    {
        var dir = EditedCopy("wrong-keys", tensors => tensors
            .Where(t => t.Name != "bert.pooler.dense.bias" && t.Name != "cls.seq_relationship.weight")
            .Append(SafeTensor.FromSpan<float>("bert.encoder.layer.9.output.dense.weight", SafeTensorsDType.F32, [1], [0f])));

        var error = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir));

        Assert.Contains("missing [bert.pooler.dense.bias, cls.seq_relationship.weight]", error.Message);
        Assert.Contains("unexpected [bert.encoder.layer.9.output.dense.weight]", error.Message);
    }

    [Fact]
    public void Load_untiedDecoderWeight_throws()
    {
        var dir = EditedCopy("untied", tensors => tensors.Append(SafeTensor.FromSpan<float>(
            "cls.predictions.decoder.weight", SafeTensorsDType.F32, [1000, 32], new float[1000 * 32])));

        var error = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir));

        Assert.Contains("cls.predictions.decoder.weight differs", error.Message);
    }

    [Fact]
    public void Load_vocabularyOfWrongSize_throws()
    {
        var dir = EditedCopy("wrong-vocab", tensors => tensors);
        File.Copy(Vocab(999), Path.Combine(dir, "vocab.txt"));

        var error = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir));

        Assert.Contains("999 tokens but the model's vocab_size is 1000", error.Message);
    }

    [Fact]
    public void CheckFitsModel_bertBaseUncasedVocab_fitsBasePreset()
    {
        TrainingVocabulary.CheckFitsModel(TestData.Vocab, BertConfig.Preset("base").VocabSize);
        Assert.Throws<InvalidDataException>(() => TrainingVocabulary.CheckFitsModel(TestData.Vocab, BertConfig.Preset("base", vocabSize: 30000).VocabSize));
    }
}
