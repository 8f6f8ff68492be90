namespace BertServerless.Shared.Tokenization;

/// <summary>
/// One NSP sequence before masking: <c>[CLS] A [SEP] B [SEP]</c>, with <paramref name="TokenTypeIds"/> 0 through the first
/// [SEP] and 1 after. <paramref name="NextSentenceLabel"/> follows Hugging Face: 0 = B is the next sentence, 1 = B is random.
/// <paramref name="Truncated"/> says whether tokens were cut to fit the maximum length.
/// </summary>
public sealed record EncodedPair(int[] InputIds, byte[] TokenTypeIds, int NextSentenceLabel, bool Truncated);
