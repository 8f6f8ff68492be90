namespace BertServerless.Shared.Text;

/// <summary>
/// One next-sentence-prediction example: segment <paramref name="A"/>, segment <paramref name="B"/> and the label as
/// Hugging Face <c>BertForPreTraining</c> expects it (<see cref="IsNext"/> or <see cref="IsRandom"/>).
/// </summary>
public sealed record NspPair(SentenceSpan A, SentenceSpan B, int NextSentenceLabel)
{
    /// <summary>B is the text that follows A.</summary>
    public const int IsNext = 0;

    /// <summary>B comes from another paragraph.</summary>
    public const int IsRandom = 1;
}
