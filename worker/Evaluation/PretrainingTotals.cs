using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Evaluation;

/// <summary>
/// Running sums of a pre-training pass (losses, counts, correct predictions), kept in one float64 tensor on the
/// training device so that adding a batch never waits for the device; <see cref="Read"/> is the one synchronisation.
/// </summary>
public sealed class PretrainingTotals : IDisposable
{
    private const int MlmLossSum = 0, PredictedTokens = 1, MlmCorrect = 2, NspLossSum = 3, Sequences = 4, NspCorrect = 5;

    private readonly Tensor _sums;

    public PretrainingTotals(Device device)
    {
        _sums = zeros(6, ScalarType.Float64, device).DetachFromDisposeScope();
    }

    /// <summary>
    /// Adds one batch. Without <paramref name="mlmLossSum"/> and <paramref name="nspLossSum"/> the losses are summed
    /// here from the logits; a trainer passes the model's own mean losses times the counts instead, which costs nothing.
    /// Works on both the masked-only logits (M, V) and the full (B, T, V).
    /// </summary>
    public void Add(BertPreTrainingOutput output, Tensor labels, Tensor nextSentenceLabel, Tensor? mlmLossSum = null, Tensor? nspLossSum = null)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var logits = output.PredictionLogits;
        var vocab = logits.shape[^1];
        var (mlmLogits, mlmTargets) = output.PredictionLabels is { } predicted
            ? (logits, predicted)                                  // (M, V), (M)
            : (logits.reshape(-1, vocab), labels.reshape(-1));     // (B*T, V), (B*T)
        var isPredicted = mlmTargets.ne(ShardFormat.IgnoreLabel);
        var mlmLoss = mlmLossSum ?? nn.functional.cross_entropy(mlmLogits.to(ScalarType.Float32), mlmTargets, ignore_index: ShardFormat.IgnoreLabel, reduction: nn.Reduction.Sum);
        var mlmCorrect = mlmLogits.argmax(-1).eq(mlmTargets).logical_and(isPredicted).sum();

        var nspLogits = output.SeqRelationshipLogits;                 // (B, 2)
        var nspLoss = nspLossSum ?? nn.functional.cross_entropy(nspLogits.to(ScalarType.Float32), nextSentenceLabel, reduction: nn.Reduction.Sum);
        var nspCorrect = nspLogits.argmax(-1).eq(nextSentenceLabel).sum();
        var sequences = full(1, nextSentenceLabel.shape[0], ScalarType.Float64, _sums.device);

        Tensor[] parts = [mlmLoss, isPredicted.sum(), mlmCorrect, nspLoss, sequences, nspCorrect];
        _sums.add_(cat(parts.Select(p => p.reshape(1).to(ScalarType.Float64)).ToArray()));
    }

    /// <summary>Copies the sums to the host and derives the metrics; a pass with no predicted token has MLM loss 0.</summary>
    public EvaluationResult Read()
    {
        using var host = _sums.cpu();
        var s = host.data<double>().ToArray();
        var mlmLoss = s[PredictedTokens] > 0 ? s[MlmLossSum] / s[PredictedTokens] : 0;
        var nspLoss = s[Sequences] > 0 ? s[NspLossSum] / s[Sequences] : 0;
        return new EvaluationResult(
            mlmLoss,
            nspLoss,
            mlmLoss + nspLoss,
            Math.Exp(mlmLoss),
            s[PredictedTokens] > 0 ? s[MlmCorrect] / s[PredictedTokens] : 0,
            s[Sequences] > 0 ? s[NspCorrect] / s[Sequences] : 0,
            (long)s[Sequences]);
    }

    public void Reset() => _sums.zero_();

    public void Dispose() => _sums.Dispose();
}
