using BertServerless.Worker.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Model;

public class UnpaddingTests
{
    private static BertConfig Tiny() => new()
    {
        VocabSize = 100, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16,
    };

    // Rows of different lengths (10, 7, 3, 10), padding at the end as the collator writes it, labels at real positions only.
    private static BertInputs RaggedBatch(BertConfig config)
    {
        var generator = new Generator(3);
        long[] lengths = [10, 7, 3, 10];
        var ids = randint(1, config.VocabSize, [4, 10], dtype: ScalarType.Int64, generator: generator);
        var types = zeros(4, 10, dtype: ScalarType.Int64);
        types[TensorIndex.Colon, TensorIndex.Slice(5)] = tensor(1L);
        var mask = ones(4, 10, dtype: ScalarType.Int64);
        var labels = full(4, 10, -100L, dtype: ScalarType.Int64);
        for (var row = 0; row < lengths.Length; row++)
        {
            mask[row, TensorIndex.Slice(lengths[row])] = tensor(0L);
            ids[row, TensorIndex.Slice(lengths[row])] = tensor((long)config.PadTokenId);
            types[row, TensorIndex.Slice(lengths[row])] = tensor(0L);
            labels[row, 1] = tensor(11L + row);
            labels[row, lengths[row] - 1] = tensor(40L + row);
        }
        return new BertInputs(ids, types, mask, labels, tensor(new long[] { 0, 1, 1, 0 }));
    }

    // Seeded and without dropout, so two forwards of one batch see the same network.
    private static BertForPreTraining EvalModel()
    {
        manual_seed(0);
        var model = new BertForPreTraining(Tiny());
        model.eval();
        return model;
    }

    private static (BertPreTrainingOutput Output, Dictionary<string, Tensor> Grads) ForwardBackward(BertForPreTraining model, BertInputs inputs)
    {
        model.zero_grad();
        var output = model.call(inputs);
        output.Loss!.backward();
        return (output, model.UniqueNamedParameters().ToDictionary(p => p.Name, p => p.Param.grad!.clone()));
    }

    [Fact]
    public void Forward_unpadded_matchesPaddedOutputsAndGradients()
    {
        using var model = EvalModel();
        using var scope = NewDisposeScope();
        var inputs = RaggedBatch(model.Config);

        model.Unpadded = false;
        var (padded, paddedGrads) = ForwardBackward(model, inputs);
        model.Unpadded = true;
        var (packed, packedGrads) = ForwardBackward(model, inputs);

        Assert.Equal(padded.PredictionLabels!.data<long>().ToArray(), packed.PredictionLabels!.data<long>().ToArray());
        Assert.True(allclose(padded.PredictionLogits, packed.PredictionLogits, rtol: 1e-5, atol: 1e-5));
        Assert.True(allclose(padded.SeqRelationshipLogits, packed.SeqRelationshipLogits, rtol: 1e-5, atol: 1e-5));
        Assert.Equal(padded.Loss!.item<float>(), packed.Loss!.item<float>(), 1e-5f);
        foreach (var (name, grad) in paddedGrads)
            Assert.True(allclose(grad, packedGrads[name], rtol: 1e-4, atol: 1e-6), name);
    }

    [Fact]
    public void Forward_unpaddedWithHostPositions_sameAsFindingThemOnDevice()
    {
        using var model = EvalModel();
        using var scope = NewDisposeScope();
        var inputs = RaggedBatch(model.Config);
        var positions = inputs.Labels!.reshape(-1).ne(-100L).nonzero().squeeze(1);

        var found = model.call(inputs);
        var given = model.call(inputs with { PredictedPositions = positions });

        Assert.True(allclose(found.PredictionLogits, given.PredictionLogits, rtol: 0, atol: 0));
    }

    [Fact]
    public void Forward_unpaddedTraining_leavesNoTensorsAlive()
    {
        manual_seed(0);
        var config = Tiny();
        using var model = new BertForPreTraining(config);
        var inputs = RaggedBatch(config);
        model.call(inputs).Loss!.backward(); // warm-up: gradients are allocated once and kept
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (NewDisposeScope()) model.call(inputs).Loss!.backward();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
