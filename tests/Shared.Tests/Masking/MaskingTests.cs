using BertServerless.Shared.Masking;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;
using MlmMasking = BertServerless.Shared.Masking.Masking;

namespace BertServerless.Shared.Tests.Masking;

public class MaskingTests
{
    private static readonly BertTokenization Bert = BertTokenization.Default;
    private static readonly IReadOnlyList<EncodedPair> Pairs = MeditationsPairs.Load(Bert);

    private static PretrainingExample[] MaskAll(MaskingOptions options, int seed = 42)
    {
        var random = new Random(seed);
        return [.. Pairs.Select(pair => MlmMasking.Apply(pair, options, Bert, random))];
    }

    private static IEnumerable<(EncodedPair Pair, PretrainingExample Example)> WithPairs(PretrainingExample[] examples) =>
        Pairs.Zip(examples);

    private static int NonSpecialTokens => Pairs.Sum(p => p.InputIds.Count(id => !Bert.IsSpecial(id)));

    private static IEnumerable<(int Original, int Input)> Predictions(PretrainingExample[] examples) =>
        examples.SelectMany(e => e.Labels.Select((label, i) => (label, e.InputIds[i])).Where(x => x.label != ShardFormat.IgnoreLabel));

    [Fact]
    public void Pairs_from_meditations_are_many_and_real()
    {
        Assert.True(Pairs.Count > 1000, $"only {Pairs.Count} pairs");
        Assert.True(NonSpecialTokens > 50_000, $"only {NonSpecialTokens} tokens");
    }

    [Fact]
    public void Apply_standard_predicts_fifteen_percent_of_non_special_tokens()
    {
        var predicted = Predictions(MaskAll(new MaskingOptions())).Count();
        Assert.InRange(predicted / (double)NonSpecialTokens, 0.14, 0.16);
    }

    [Fact]
    public void Apply_standard_splits_predictions_80_10_10()
    {
        var predictions = Predictions(MaskAll(new MaskingOptions())).ToArray();
        double Share(Func<(int Original, int Input), bool> kind) => predictions.Count(kind) / (double)predictions.Length;

        Assert.InRange(Share(p => p.Input == Bert.Special.Mask), 0.78, 0.82);
        Assert.InRange(Share(p => p.Input == p.Original), 0.08, 0.12);
        Assert.InRange(Share(p => p.Input != p.Original && p.Input != Bert.Special.Mask), 0.08, 0.12);
    }

    [Fact]
    public void Apply_standard_random_replacements_are_ordinary_tokens()
    {
        var replacements = Predictions(MaskAll(new MaskingOptions()))
            .Where(p => p.Input != p.Original && p.Input != Bert.Special.Mask)
            .Select(p => p.Input)
            .ToArray();

        Assert.NotEmpty(replacements);
        Assert.DoesNotContain(replacements, id => Bert.IsSpecial(id) || Bert.IdToToken(id).StartsWith("[unused"));
        Assert.True(replacements.Distinct().Count() > replacements.Length / 2, "replacements should spread over the vocabulary");
    }

    [Theory]
    [InlineData(MaskingMode.Standard, false)]
    [InlineData(MaskingMode.Standard, true)]
    [InlineData(MaskingMode.Tutorial, false)]
    public void Apply_special_tokens_are_never_chosen_or_changed(MaskingMode mode, bool wholeWord)
    {
        foreach (var (pair, example) in WithPairs(MaskAll(new MaskingOptions { Mode = mode, WholeWord = wholeWord })))
        {
            for (var i = 0; i < pair.InputIds.Length; i++)
            {
                if (!Bert.IsSpecial(pair.InputIds[i])) continue;
                Assert.Equal(pair.InputIds[i], example.InputIds[i]);
                Assert.Equal(ShardFormat.IgnoreLabel, example.Labels[i]);
            }
        }
    }

    [Fact]
    public void Apply_pad_and_unk_in_sequence_are_never_chosen()
    {
        var dog = Bert.Encode("dog")[0];
        var pair = new EncodedPair([101, 0, 100, dog, 0, 102, 0, 102], [0, 0, 0, 0, 0, 0, 1, 1], 0, false);

        var example = MlmMasking.Apply(pair, new MaskingOptions { Probability = 1 }, Bert, new Random(1));

        Assert.Equal([-100, -100, -100, dog, -100, -100, -100, -100], example.Labels);
    }

    [Fact]
    public void Apply_pair_of_empty_sentences_predicts_nothing()
    {
        var empty = Bert.EncodePair([], [], 128, 0);
        var example = MlmMasking.Apply(empty, new MaskingOptions(), Bert, new Random(1));
        Assert.Equal([101, 102, 102], example.InputIds);
        Assert.All(example.Labels, l => Assert.Equal(ShardFormat.IgnoreLabel, l));
    }

    [Fact]
    public void Apply_labels_hold_original_ids_and_other_positions_are_untouched()
    {
        foreach (var (pair, example) in WithPairs(MaskAll(new MaskingOptions())))
        {
            Assert.Equal(pair.TokenTypeIds, example.TokenTypeIds);
            Assert.Equal(pair.NextSentenceLabel, example.NextSentenceLabel);
            for (var i = 0; i < pair.InputIds.Length; i++)
            {
                if (example.Labels[i] == ShardFormat.IgnoreLabel) Assert.Equal(pair.InputIds[i], example.InputIds[i]);
                else Assert.Equal(pair.InputIds[i], example.Labels[i]);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Apply_standard_predicts_at_least_one_position_per_sequence(bool wholeWord)
    {
        var shortPair = Bert.EncodePair(Bert.Encode("Yes."), Bert.Encode("No."), 128, 1);
        var longWords = Bert.EncodePair(Bert.Encode("unbelievably"), Bert.Encode("supercalifragilistic"), 128, 1);
        var random = new Random(7);
        var options = new MaskingOptions { WholeWord = wholeWord };

        Assert.All(MaskAll(options), e => Assert.Contains(e.Labels, l => l != ShardFormat.IgnoreLabel));
        for (var i = 0; i < 100; i++)
        {
            Assert.Contains(MlmMasking.Apply(shortPair, options, Bert, random).Labels, l => l != ShardFormat.IgnoreLabel);
            Assert.Contains(MlmMasking.Apply(longWords, options, Bert, random).Labels, l => l != ShardFormat.IgnoreLabel);
        }
    }

    [Fact]
    public void Apply_whole_word_chooses_every_piece_of_a_word_together()
    {
        var examples = MaskAll(new MaskingOptions { WholeWord = true });
        var splitWords = 0;
        foreach (var (pair, example) in WithPairs(examples))
        {
            for (var i = 1; i < pair.InputIds.Length; i++)
            {
                if (!Bert.IsContinuation(pair.InputIds[i])) continue;
                var chosen = example.Labels[i] != ShardFormat.IgnoreLabel;
                Assert.Equal(example.Labels[i - 1] != ShardFormat.IgnoreLabel, chosen);
                if (chosen) splitWords++;
            }
        }

        Assert.True(splitWords > 100, $"only {splitWords} ## pieces predicted: the test would prove little");
        Assert.InRange(Predictions(examples).Count() / (double)NonSpecialTokens, 0.14, 0.16);
    }

    [Fact]
    public void Apply_without_whole_word_chooses_pieces_independently()
    {
        var examples = MaskAll(new MaskingOptions());
        var pieceWithoutPrevious = WithPairs(examples).Sum(x => Enumerable.Range(1, x.Pair.InputIds.Length - 1).Count(i =>
            Bert.IsContinuation(x.Pair.InputIds[i]) && x.Example.Labels[i] != ShardFormat.IgnoreLabel && x.Example.Labels[i - 1] == ShardFormat.IgnoreLabel));
        Assert.True(pieceWithoutPrevious > 100);
    }

    [Fact]
    public void Apply_tutorial_turns_every_chosen_position_into_mask()
    {
        var predictions = Predictions(MaskAll(new MaskingOptions { Mode = MaskingMode.Tutorial })).ToArray();

        Assert.All(predictions, p => Assert.Equal(Bert.Special.Mask, p.Input));
        Assert.InRange(predictions.Length / (double)NonSpecialTokens, 0.14, 0.16);
    }

    [Fact]
    public void Apply_same_seed_gives_same_examples_and_other_seed_differs()
    {
        var first = MaskAll(new MaskingOptions(), seed: 3);
        var again = MaskAll(new MaskingOptions(), seed: 3);
        var other = MaskAll(new MaskingOptions(), seed: 4);

        Assert.Equal(first.Select(e => e.InputIds), again.Select(e => e.InputIds));
        Assert.Equal(first.Select(e => e.Labels), again.Select(e => e.Labels));
        Assert.NotEqual(first.Select(e => e.Labels), other.Select(e => e.Labels));
    }

    [Fact]
    public void Apply_again_with_same_random_gives_a_different_masking()
    {
        var random = new Random(5);
        var pair = Pairs[10];
        var first = MlmMasking.Apply(pair, new MaskingOptions(), Bert, random);
        var second = MlmMasking.Apply(pair, new MaskingOptions(), Bert, random);
        Assert.NotEqual(first.Labels, second.Labels);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Apply_probability_outside_zero_to_one_throws(double probability) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            MlmMasking.Apply(Pairs[0], new MaskingOptions { Probability = probability }, Bert, new Random(1)));
}
