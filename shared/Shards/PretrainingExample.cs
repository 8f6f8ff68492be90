namespace BertServerless.Shared.Shards;

/// <summary>
/// One masked sequence ready for training, unpadded: <c>[CLS] A [SEP] B [SEP]</c> after masking.
/// <paramref name="Labels"/> holds the original id at predicted positions and <see cref="ShardFormat.IgnoreLabel"/> elsewhere;
/// <paramref name="NextSentenceLabel"/> follows Hugging Face: 0 = B is the next sentence, 1 = B is random.
/// </summary>
public sealed record PretrainingExample(int[] InputIds, byte[] TokenTypeIds, int[] Labels, int NextSentenceLabel)
{
    public int Length => InputIds.Length;
}
