using TorchSharp;

namespace BertServerless.Worker.Model;

/// <summary>
/// One batch for <see cref="BertForPreTraining"/>, all (B, T) int64 except <paramref name="NextSentenceLabel"/> (B).
/// <paramref name="AttentionMask"/> is 1 for real tokens, 0 for padding; <paramref name="Labels"/> holds the original
/// token at masked positions and -100 elsewhere; <paramref name="NextSentenceLabel"/> is 0 when B follows A, 1 when random.
/// </summary>
public sealed record BertInputs(
    torch.Tensor InputIds,
    torch.Tensor TokenTypeIds,
    torch.Tensor AttentionMask,
    torch.Tensor? Labels = null,
    torch.Tensor? NextSentenceLabel = null,
    torch.Tensor? PredictedPositions = null);
