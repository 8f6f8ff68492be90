using BertServerless.Worker.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Model;

public class BertForPreTrainingTests
{
    private static BertConfig Tiny() => new()
    {
        VocabSize = 100, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16,
    };

    private static BertInputs Batch(Generator generator, BertConfig config, bool withLabels = true)
    {
        var ids = randint(1, config.VocabSize, [3, 10], dtype: ScalarType.Int64, generator: generator);
        var types = cat([zeros(3, 5, dtype: ScalarType.Int64), ones(3, 5, dtype: ScalarType.Int64)], 1);
        var mask = ones(3, 10, dtype: ScalarType.Int64);
        mask[2, TensorIndex.Slice(7)] = tensor(0L); // last row padded after 7 tokens
        ids[2, TensorIndex.Slice(7)] = tensor((long)config.PadTokenId);
        if (!withLabels) return new BertInputs(ids, types, mask);
        var labels = full(3, 10, -100L, dtype: ScalarType.Int64);
        labels[0, 1] = tensor(5L); labels[0, 4] = tensor(17L); labels[1, 8] = tensor(99L); labels[2, 3] = tensor(2L);
        return new BertInputs(ids, types, mask, labels, tensor(new long[] { 0, 1, 0 }));
    }

    // Writes through the word embeddings and reads through the decoder: equal only if they are one tensor.
    private static void AssertTied(BertForPreTraining model)
    {
        var state = model.state_dict();
        using (no_grad()) state[BertForPreTraining.WordEmbeddingsWeight][3, 3] = tensor(42f);
        Assert.Equal(42f, state[BertForPreTraining.TiedDecoderWeight][3, 3].to(ScalarType.Float32).item<float>());
        using (no_grad()) state[BertForPreTraining.WordEmbeddingsWeight][3, 3] = tensor(-7f);
        Assert.Equal(-7f, state[BertForPreTraining.TiedDecoderWeight][3, 3].to(ScalarType.Float32).item<float>());
    }

    [Fact]
    public void Constructor_tinyConfig_namesParametersAsHuggingFace()
    {
        manual_seed(0);
        using var model = new BertForPreTraining(Tiny());
        var names = model.state_dict().Keys.ToHashSet();
        Assert.Contains("bert.embeddings.word_embeddings.weight", names);
        Assert.Contains("bert.embeddings.LayerNorm.weight", names);
        Assert.Contains("bert.encoder.layer.1.attention.self.query.weight", names);
        Assert.Contains("bert.encoder.layer.1.attention.output.LayerNorm.bias", names);
        Assert.Contains("bert.encoder.layer.0.intermediate.dense.weight", names);
        Assert.Contains("bert.encoder.layer.0.output.dense.bias", names);
        Assert.Contains("bert.pooler.dense.weight", names);
        Assert.Contains("cls.predictions.transform.dense.weight", names);
        Assert.Contains("cls.predictions.transform.LayerNorm.weight", names);
        Assert.Contains("cls.predictions.bias", names);
        Assert.Contains("cls.predictions.decoder.weight", names);
        Assert.Contains("cls.seq_relationship.weight", names);
        Assert.Equal(5 + 16 * 2 + 2 + 6 + 2, names.Count); // embeddings, 2 layers, pooler, MLM head, NSP head
    }

    [Fact]
    public void UniqueNamedParameters_tiedDecoder_listsSharedWeightOnce()
    {
        manual_seed(0);
        using var model = new BertForPreTraining(Tiny());
        var unique = model.UniqueNamedParameters();
        Assert.Equal(model.named_parameters().Count() - 1, unique.Count);
        Assert.Contains(unique, p => p.Name == "bert.embeddings.word_embeddings.weight");
        Assert.DoesNotContain(unique, p => p.Name == "cls.predictions.decoder.weight");
    }

    [Fact]
    public void Constructor_tiedDecoder_sharesStorageWithWordEmbeddings()
    {
        manual_seed(0);
        using var model = new BertForPreTraining(Tiny());
        AssertTied(model);
    }

    [Fact]
    public void To_bfloat16_keepsDecoderTied()
    {
        manual_seed(0);
        using var model = new BertForPreTraining(Tiny());
        model.to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, model.state_dict()[BertForPreTraining.TiedDecoderWeight].dtype);
        AssertTied(model);
    }

    [Fact]
    public void Constructor_hfInit_matchesInitializerRange()
    {
        manual_seed(0);
        var config = Tiny();
        using var model = new BertForPreTraining(config);
        var state = model.state_dict();
        Assert.Equal(0f, state["bert.embeddings.word_embeddings.weight"][config.PadTokenId].abs().sum().item<float>());
        Assert.Equal(0.02, state["bert.encoder.layer.0.intermediate.dense.weight"].std().item<float>(), 0.002);
        Assert.Equal(0f, state["bert.encoder.layer.0.intermediate.dense.bias"].abs().sum().item<float>());
        Assert.Equal(1f, state["bert.encoder.layer.0.output.LayerNorm.weight"].mean().item<float>());
        Assert.Equal(0f, state["cls.predictions.bias"].abs().sum().item<float>());
    }

    [Fact]
    public void Forward_maskedOnly_sameLossAsFullPath()
    {
        manual_seed(0);
        var config = Tiny();
        using var model = new BertForPreTraining(config);
        model.eval();
        var inputs = Batch(new Generator(1), config);

        model.MaskedOnlyLogits = false;
        var full = model.call(inputs);
        model.MaskedOnlyLogits = true;
        var masked = model.call(inputs);

        Assert.Equal([3, 10, config.VocabSize], full.PredictionLogits.shape);
        Assert.Null(full.PredictionLabels);
        Assert.Equal([4, config.VocabSize], masked.PredictionLogits.shape);
        Assert.Equal([5L, 17, 99, 2], masked.PredictionLabels!.data<long>().ToArray());
        Assert.Equal(full.MlmLoss!.item<float>(), masked.MlmLoss!.item<float>(), 1e-6f);
        Assert.Equal(full.Loss!.item<float>(), masked.Loss!.item<float>(), 1e-6f);
        Assert.True(allclose(full.PredictionLogits[1, 8], masked.PredictionLogits[2], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Forward_hostPredictedPositions_sameAsFindingThemOnDevice()
    {
        manual_seed(0);
        var config = Tiny();
        using var model = new BertForPreTraining(config);
        model.eval();
        var inputs = Batch(new Generator(1), config);

        var found = model.call(inputs);
        var given = model.call(inputs with { PredictedPositions = tensor(new long[] { 1, 4, 18, 23 }) }); // rows 0, 0, 1, 2 of width 10

        Assert.Equal(found.PredictionLabels!.data<long>().ToArray(), given.PredictionLabels!.data<long>().ToArray());
        Assert.Equal(found.MlmLoss!.item<float>(), given.MlmLoss!.item<float>());
        Assert.True(allclose(found.PredictionLogits, given.PredictionLogits, rtol: 0, atol: 0));
    }

    [Fact]
    public void Forward_noLabels_returnsFullLogitsAndNoLoss()
    {
        manual_seed(0);
        var config = Tiny();
        using var model = new BertForPreTraining(config);
        model.eval();
        var output = model.call(Batch(new Generator(1), config, withLabels: false));
        Assert.Equal([3, 10, config.VocabSize], output.PredictionLogits.shape);
        Assert.Equal([3, 2], output.SeqRelationshipLogits.shape);
        Assert.Null(output.MlmLoss);
        Assert.Null(output.NspLoss);
        Assert.Null(output.Loss);
    }

    [Fact]
    public void Forward_insideDisposeScope_leavesNoTensorsAlive()
    {
        manual_seed(0);
        var config = Tiny();
        using var model = new BertForPreTraining(config);
        var inputs = Batch(new Generator(1), config);
        model.call(inputs).Loss!.backward(); // warm-up: gradients are allocated once and kept
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (NewDisposeScope())
        {
            var loss = model.call(inputs).Loss!;
            loss.backward();
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
