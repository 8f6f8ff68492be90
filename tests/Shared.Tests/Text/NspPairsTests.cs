using BertServerless.Shared.Text;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Text;

public class NspPairsTests
{
    // Word counts stand in for token counts: pairing only adds them up.
    private static readonly Lazy<IReadOnlyList<IReadOnlyList<int>>> MeditationsCounts = new(() =>
    {
        using var stream = File.OpenRead(TestData.Meditations);
        return BookReader.ReadParagraphs(stream, new BookReaderOptions(), "meditations")
            .Select(p => (IReadOnlyList<int>)SentenceSplitter.Split(p).Select(s => s.Split(' ').Length).ToList())
            .ToList();
    });

    private static List<NspPair> Create(PairingMode mode, int seed = 42, int maxTokens = 128) =>
        NspPairs.Create(MeditationsCounts.Value, new NspOptions { Mode = mode, MaxTokens = maxTokens }, new Random(seed));

    private static int Tokens(SentenceSpan span) =>
        MeditationsCounts.Value[span.Paragraph].Skip(span.First).Take(span.Count).Sum();

    [Fact]
    public void Create_SentenceModeOnMeditations_IsNextShareIsHalf()
    {
        var pairs = Create(PairingMode.Sentence);

        var share = pairs.Count(p => p.NextSentenceLabel == NspPair.IsNext) / (double)pairs.Count;

        Assert.True(pairs.Count > 1000, $"only {pairs.Count} pairs");
        Assert.InRange(share, 0.47, 0.53);
    }

    [Fact]
    public void Create_SentenceMode_EverySentenceWithASuccessorStartsOnePair()
    {
        var counts = MeditationsCounts.Value;

        var starts = Create(PairingMode.Sentence).Select(p => (p.A.Paragraph, p.A.First)).ToList();

        var expected = counts.SelectMany((c, p) => Enumerable.Range(0, Math.Max(0, c.Count - 1)).Select(s => (p, s))).ToList();
        Assert.Equal(expected, starts);
    }

    [Fact]
    public void Create_TutorialMode_OnePairPerParagraphOfTwoSentences()
    {
        var pairs = Create(PairingMode.Tutorial);

        var expected = MeditationsCounts.Value.Select((c, p) => (c, p)).Where(x => x.c.Count >= 2).Select(x => x.p);
        Assert.Equal(expected, pairs.Select(p => p.A.Paragraph));
        Assert.All(pairs, p => Assert.Equal((1, 1), (p.A.Count, p.B.Count)));
    }

    [Theory]
    [InlineData(PairingMode.Sentence)]
    [InlineData(PairingMode.Tutorial)]
    [InlineData(PairingMode.Segment)]
    public void Create_AnyMode_IsNextFollowsAAndRandomComesFromAnotherParagraph(PairingMode mode)
    {
        var counts = MeditationsCounts.Value;

        var pairs = Create(mode);

        Assert.Contains(pairs, p => p.NextSentenceLabel == NspPair.IsNext);
        Assert.Contains(pairs, p => p.NextSentenceLabel == NspPair.IsRandom);
        foreach (var pair in pairs)
        {
            Assert.InRange(pair.A.First + pair.A.Count, 1, counts[pair.A.Paragraph].Count);
            Assert.InRange(pair.B.First + pair.B.Count, 1, counts[pair.B.Paragraph].Count);
            Assert.True(pair.A.Count >= 1 && pair.B.Count >= 1);
            if (pair.NextSentenceLabel == NspPair.IsNext)
            {
                Assert.Equal(pair.A.Paragraph, pair.B.Paragraph);
                Assert.Equal(pair.A.First + pair.A.Count, pair.B.First);
            }
            else
            {
                Assert.Equal(NspPair.IsRandom, pair.NextSentenceLabel);
                Assert.NotEqual(pair.A.Paragraph, pair.B.Paragraph);
            }
        }
    }

    [Fact]
    public void Create_SegmentMode_PairsFitTheTokenBudget()
    {
        const int maxTokens = 64;

        var pairs = Create(PairingMode.Segment, maxTokens: maxTokens);

        Assert.Contains(pairs, p => p.A.Count > 1 || p.B.Count > 1);
        foreach (var pair in pairs)
        {
            // Only two single over-long sentences may overflow; the caller truncates their tokens.
            var singles = pair.A.Count == 1 && pair.B.Count == 1;
            Assert.True(singles || Tokens(pair.A) + Tokens(pair.B) <= maxTokens - 3, $"{pair} has {Tokens(pair.A) + Tokens(pair.B)} tokens");
        }
    }

    [Fact]
    public void Create_SegmentModeSingleSentenceParagraphs_AllRandomPairs()
    {
        IReadOnlyList<IReadOnlyList<int>> counts = [[5], [7], [9]];

        var pairs = NspPairs.Create(counts, new NspOptions { Mode = PairingMode.Segment }, new Random(1));

        Assert.Equal(3, pairs.Count);
        Assert.All(pairs, p => Assert.Equal(NspPair.IsRandom, p.NextSentenceLabel));
    }

    [Theory]
    [InlineData(PairingMode.Sentence)]
    [InlineData(PairingMode.Tutorial)]
    [InlineData(PairingMode.Segment)]
    public void Create_SameSeed_SamePairs(PairingMode mode)
    {
        Assert.Equal(Create(mode, seed: 7), Create(mode, seed: 7));
        Assert.NotEqual(Create(mode, seed: 7), Create(mode, seed: 8));
    }

    [Fact]
    public void Create_EmptyParagraphsBetween_RandomSentencesStillValid()
    {
        IReadOnlyList<IReadOnlyList<int>> counts = [[], [3, 4, 5], [], [], [6, 7], []];

        var pairs = NspPairs.Create(counts, new NspOptions(), new Random(3));

        Assert.Equal(3, pairs.Count);
        Assert.All(pairs.Where(p => p.NextSentenceLabel == NspPair.IsRandom), p => Assert.Equal(p.A.Paragraph == 1 ? 4 : 1, p.B.Paragraph));
    }

    [Fact]
    public void Create_NoParagraphOfTwoSentences_ClearError()
    {
        IReadOnlyList<IReadOnlyList<int>> counts = [[5], [7], []];

        var error = Assert.Throws<NotEnoughTextException>(() => NspPairs.Create(counts, new NspOptions(), new Random(1)));

        Assert.StartsWith("No paragraph of two sentences", error.Message);
    }

    [Theory]
    [InlineData(PairingMode.Sentence)]
    [InlineData(PairingMode.Segment)]
    public void Create_OneParagraph_ErrorRatherThanMislabel(PairingMode mode)
    {
        IReadOnlyList<IReadOnlyList<int>> counts = [[5, 6, 7, 8], []];

        var error = Assert.Throws<NotEnoughTextException>(() => NspPairs.Create(counts, new NspOptions { Mode = mode }, new Random(1)));

        Assert.Contains("a random B must come from a different paragraph", error.Message);
    }

    [Fact]
    public void Create_MaxTokensBelowFive_ArgumentError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NspPairs.Create([[1, 2], [3]], new NspOptions { MaxTokens = 4 }, new Random(1)));
}
