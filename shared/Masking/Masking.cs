using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;

namespace BertServerless.Shared.Masking;

/// <summary>
/// The MLM rule, in one place: which positions of a sequence the model must predict, and what it sees there.
/// Special tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) are never chosen. Deterministic for a given <see cref="Random"/>;
/// a dupe factor is the caller calling <see cref="Apply"/> again with the same one.
/// </summary>
public static class Masking
{
    // Of the chosen positions: 80% become [MASK], 10% a random token, the other 10% keep their token.
    private const double MaskShare = 0.8;
    private const double RandomShare = 0.1;

    /// <summary>
    /// <see cref="MaskingMode.Standard"/>: round(probability × non-special tokens) positions, at least one, chosen as in
    /// Google's <c>create_pretraining_data.py</c> (shuffle the candidates, take them in order, skip a whole word that would
    /// overshoot); each becomes [MASK], a random ordinary token or itself, 80/10/10.
    /// <see cref="MaskingMode.Tutorial"/>: each candidate is chosen with the probability and becomes [MASK].
    /// </summary>
    public static PretrainingExample Apply(EncodedPair pair, MaskingOptions options, BertTokenization vocab, Random random)
    {
        if (options.Probability is not (> 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.Probability, "Masking probability must be in (0, 1].");

        var inputIds = (int[])pair.InputIds.Clone();
        var labels = new int[inputIds.Length];
        Array.Fill(labels, ShardFormat.IgnoreLabel);
        var candidates = Candidates(pair.InputIds, options.WholeWord, vocab);

        if (options.Mode == MaskingMode.Tutorial)
        {
            foreach (var word in candidates)
                if (random.NextDouble() < options.Probability) Predict(word, alwaysMask: true);
        }
        else
        {
            var candidateTokens = candidates.Sum(w => w.Length);
            var toPredict = Math.Max(1, (int)Math.Round(candidateTokens * options.Probability));
            random.Shuffle(candidates);
            var chosen = 0;
            foreach (var word in candidates)
            {
                if (chosen >= toPredict) break;
                // Overshooting is allowed only for the first word, so a sequence of long words still gets a prediction.
                if (chosen > 0 && chosen + word.Length > toPredict) continue;
                Predict(word, alwaysMask: false);
                chosen += word.Length;
            }
        }

        return new PretrainingExample(inputIds, pair.TokenTypeIds, labels, pair.NextSentenceLabel);

        void Predict(Word word, bool alwaysMask)
        {
            for (var i = word.Start; i < word.Start + word.Length; i++)
            {
                labels[i] = inputIds[i];
                inputIds[i] = alwaysMask ? vocab.Special.Mask : Replacement(inputIds[i], vocab, random);
            }
        }
    }

    /// <summary>A run of positions chosen together: one token, or a whole word when masking whole words.</summary>
    private readonly record struct Word(int Start, int Length);

    private static Word[] Candidates(int[] ids, bool wholeWord, BertTokenization vocab)
    {
        var words = new List<Word>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (vocab.IsSpecial(ids[i])) continue;
            var joinsPrevious = wholeWord && words.Count > 0 && words[^1].Start + words[^1].Length == i && vocab.IsContinuation(ids[i]);
            if (joinsPrevious) words[^1] = words[^1] with { Length = words[^1].Length + 1 };
            else words.Add(new Word(i, 1));
        }
        return [.. words];
    }

    private static int Replacement(int original, BertTokenization vocab, Random random)
    {
        var draw = random.NextDouble();
        if (draw < MaskShare) return vocab.Special.Mask;
        if (draw < MaskShare + RandomShare) return vocab.OrdinaryIds[random.Next(vocab.OrdinaryIds.Count)];
        return original;
    }
}
