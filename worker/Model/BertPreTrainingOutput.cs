using TorchSharp;

namespace BertServerless.Worker.Model;

/// <summary>
/// What <see cref="BertForPreTraining"/> returns. <paramref name="PredictionLogits"/> is (B, T, V) on the full path and
/// (M, V) on the masked-only path, one row per position whose label is not -100 in row-major order, with
/// <paramref name="PredictionLabels"/> (M) the matching labels (null on the full path).
/// <paramref name="SeqRelationshipLogits"/> is (B, 2). Losses are as Hugging Face computes them: mean cross-entropy over
/// labelled tokens, mean NSP cross-entropy, and <paramref name="Loss"/> the sum of those present (null when neither is).
/// </summary>
public sealed record BertPreTrainingOutput(
    torch.Tensor PredictionLogits,
    torch.Tensor SeqRelationshipLogits,
    torch.Tensor? PredictionLabels,
    torch.Tensor? MlmLoss,
    torch.Tensor? NspLoss,
    torch.Tensor? Loss);
