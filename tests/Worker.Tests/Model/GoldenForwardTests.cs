using BertServerless.Worker.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Model;

/// <summary>The C# forward against a PyTorch port of transformers' BertForPreTraining (tools/golden/make_golden.py).</summary>
public class GoldenForwardTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData("hf-safetensors")]
    [InlineData("hf-legacy-bin")]
    public void Forward_fullPath_matchesPythonReference(string layout)
    {
        using var model = HfCheckpoint.Load(Golden.Dir(layout));
        model.eval();
        model.MaskedOnlyLogits = false;
        using var scope = NewDisposeScope();

        var output = model.call(Golden.Inputs());

        Assert.InRange(Golden.MaxAbsDiff(output.PredictionLogits, Golden.Get("prediction_logits")), 0, Tolerance);
        Assert.InRange(Golden.MaxAbsDiff(output.SeqRelationshipLogits, Golden.Get("seq_relationship_logits")), 0, Tolerance);
        Assert.InRange(Golden.MaxAbsDiff(output.MlmLoss!.reshape(1), Golden.Get("mlm_loss")), 0, Tolerance);
        Assert.InRange(Golden.MaxAbsDiff(output.NspLoss!.reshape(1), Golden.Get("nsp_loss")), 0, Tolerance);
        Assert.InRange(Golden.MaxAbsDiff(output.Loss!.reshape(1), Golden.Get("loss")), 0, Tolerance);
    }

    [Fact]
    public void Forward_maskedOnly_matchesPythonReferenceAtLabelledPositions()
    {
        using var model = HfCheckpoint.Load(Golden.SafeTensorsModel);
        model.eval();
        using var scope = NewDisposeScope();
        var inputs = Golden.Inputs();

        var output = model.call(inputs);

        var labelled = inputs.Labels!.ne(-100L); // (B, T)
        var expected = Golden.Get("prediction_logits")[labelled]; // (M, V)
        Assert.Equal(expected.shape, output.PredictionLogits.shape);
        Assert.InRange(Golden.MaxAbsDiff(output.PredictionLogits, expected), 0, Tolerance);
        Assert.Equal(inputs.Labels[labelled].data<long>().ToArray(), output.PredictionLabels!.data<long>().ToArray());
        Assert.InRange(Golden.MaxAbsDiff(output.Loss!.reshape(1), Golden.Get("loss")), 0, Tolerance);
    }

    [Fact]
    public void Forward_paddedRow_ignoresPaddingTokens()
    {
        using var model = HfCheckpoint.Load(Golden.SafeTensorsModel);
        model.eval();
        model.MaskedOnlyLogits = false;
        using var scope = NewDisposeScope();
        var inputs = Golden.Inputs();
        var padded = inputs.InputIds.clone();
        padded[1, TensorIndex.Slice(9)] = tensor(123L); // different ids under the attention mask's zeros

        var original = model.call(inputs);
        var changed = model.call(inputs with { InputIds = padded });

        Assert.InRange(Golden.MaxAbsDiff(original.PredictionLogits[1, TensorIndex.Slice(0, 9)], changed.PredictionLogits[1, TensorIndex.Slice(0, 9)]), 0, Tolerance);
        Assert.InRange(Golden.MaxAbsDiff(original.SeqRelationshipLogits, changed.SeqRelationshipLogits), 0, Tolerance);
    }
}
