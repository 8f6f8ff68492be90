using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Evaluation;

public class PretrainingTotalsTests
{
    // Masked-only output: logits (M, V) over a vocabulary of 2, so each token's loss is easy to state.
    private static BertPreTrainingOutput Output(float[,] mlmLogits, long[] mlmLabels, float[,] nspLogits) =>
        new(tensor(mlmLogits), tensor(nspLogits), tensor(mlmLabels), null, null, null);

    [Fact]
    public void Read_weights_mlm_loss_by_token_not_by_batch()
    {
        using var totals = new PretrainingTotals(CPU);
        var nsp = tensor(new long[] { 0 });
        // Batch 1: one predicted token, right with logit margin 0 -> loss ln 2. Batch 2: three tokens, certain and right -> loss ~0.
        totals.Add(Output(new float[,] { { 0, 0 } }, [0], new float[,] { { 0, 0 } }), tensor(Array.Empty<long>()), nsp);
        totals.Add(Output(new float[,] { { 50, 0 }, { 0, 50 }, { 50, 0 } }, [0, 1, 0], new float[,] { { 50, 0 } }), tensor(Array.Empty<long>()), nsp);

        var result = totals.Read();

        Assert.Equal(Math.Log(2) / 4, result.MlmLoss, 6);    // a mean of batch means would give ln 2 / 2
        Assert.Equal(Math.Log(2) / 2, result.NspLoss, 6);
        Assert.Equal(result.MlmLoss + result.NspLoss, result.Loss, 12);
        Assert.Equal(Math.Exp(result.MlmLoss), result.Perplexity, 12);
        Assert.Equal(2, result.Sequences);
    }

    [Fact]
    public void Read_counts_accuracy_over_predicted_positions_of_full_logits()
    {
        using var totals = new PretrainingTotals(CPU);
        // Full path: (B=1, T=3, V=2) logits; position 0 is not predicted, 1 is right, 2 is wrong.
        var logits = tensor(new float[] { 9, 0, 0, 9, 9, 0 }, [1, 3, 2]);
        var output = new BertPreTrainingOutput(logits, tensor(new float[,] { { 0, 9 } }), null, null, null, null);

        totals.Add(output, tensor(new long[,] { { -100, 1, 1 } }), tensor(new long[] { 1 }));
        var result = totals.Read();

        Assert.Equal(0.5, result.MlmAccuracy, 12);
        Assert.Equal(1.0, result.NspAccuracy, 12);
    }
}
