using BertServerless.Shared.Tokenization;

namespace BertServerless.Shared.Tests.Tokenization;

public class EncodePairTests
{
    private static readonly BertTokenization Bert = BertTokenization.Default;

    // Distinct ordinary ids, so a test sees exactly which ones survive truncation.
    private static int[] Ids(int first, int count) => [.. Enumerable.Range(first, count)];

    [Fact]
    public void EncodePair_short_pair_gives_cls_a_sep_b_sep_and_token_types()
    {
        var a = Bert.Encode("The dog ran.");
        var b = Bert.Encode("It was fast.");

        var pair = Bert.EncodePair(a, b, maxLen: 128, nextSentenceLabel: 1);

        Assert.Equal([101, .. a, 102, .. b, 102], pair.InputIds);
        Assert.Equal([.. Enumerable.Repeat((byte)0, a.Length + 2), .. Enumerable.Repeat((byte)1, b.Length + 1)], pair.TokenTypeIds);
        Assert.Equal(1, pair.NextSentenceLabel);
        Assert.False(pair.Truncated);
    }

    [Fact]
    public void EncodePair_exactly_max_len_is_not_truncated()
    {
        var pair = Bert.EncodePair(Ids(2000, 5), Ids(3000, 4), maxLen: 12, nextSentenceLabel: 0);
        Assert.Equal(12, pair.InputIds.Length);
        Assert.False(pair.Truncated);
    }

    [Fact]
    public void EncodePair_longer_a_is_cut_from_its_end_until_it_fits()
    {
        var pair = Bert.EncodePair(Ids(2000, 10), Ids(3000, 4), maxLen: 12, nextSentenceLabel: 0);

        Assert.Equal([101, .. Ids(2000, 5), 102, .. Ids(3000, 4), 102], pair.InputIds);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], pair.TokenTypeIds);
        Assert.True(pair.Truncated);
    }

    [Fact]
    public void EncodePair_longer_b_is_cut_from_its_end_until_it_fits()
    {
        var pair = Bert.EncodePair(Ids(2000, 3), Ids(3000, 20), maxLen: 10, nextSentenceLabel: 0);
        Assert.Equal([101, .. Ids(2000, 3), 102, .. Ids(3000, 4), 102], pair.InputIds);
    }

    [Fact]
    public void EncodePair_equal_lengths_cut_b_first_then_alternate()
    {
        // HF longest_first: removing 3 from 6 + 6 leaves A 5 and B 4.
        var pair = Bert.EncodePair(Ids(2000, 6), Ids(3000, 6), maxLen: 12, nextSentenceLabel: 0);
        Assert.Equal([101, .. Ids(2000, 5), 102, .. Ids(3000, 4), 102], pair.InputIds);
    }

    [Fact]
    public void EncodePair_very_long_a_is_cut_to_b_length_then_both_shrink()
    {
        var pair = Bert.EncodePair(Ids(2000, 100), Ids(3000, 3), maxLen: 8, nextSentenceLabel: 0);
        Assert.Equal([101, .. Ids(2000, 3), 102, .. Ids(3000, 2), 102], pair.InputIds);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], pair.TokenTypeIds);
    }

    [Fact]
    public void EncodePair_invalid_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bert.EncodePair(Ids(2000, 2), Ids(3000, 2), maxLen: 2, nextSentenceLabel: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bert.EncodePair(Ids(2000, 2), Ids(3000, 2), maxLen: 16, nextSentenceLabel: 2));
    }
}
