using BertServerless.Shared.Shards;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;

namespace BertServerless.Shared.Prep;

/// <summary>
/// One chunk of a book → masked training examples: split sentences, tokenize each sentence once, pair (NSP),
/// encode <c>[CLS] A [SEP] B [SEP]</c>, mask. The rules live in <see cref="SentenceSplitter"/>, <see cref="NspPairs"/>,
/// <see cref="BertTokenization"/> and <see cref="Masking.Masking"/>; this class only wires them. With phase2_max_len
/// the same tokenized sentences are paired and encoded a second time at that length: one pass over the book.
/// </summary>
public sealed class ChunkPreparer(BertTokenization tokenizer, PrepOptions options)
{
    public ChunkResult Prepare(BookChunk chunk)
    {
        var stats = new PrepStats { Chars = chunk.Chars, Paragraphs = chunk.Paragraphs.Count };
        var sentences = new List<int[]>[chunk.Paragraphs.Count];
        for (var p = 0; p < sentences.Length; p++)
        {
            sentences[p] = [.. SentenceSplitter.Split(chunk.Paragraphs[p]).Select(tokenizer.Encode).Where(ids => ids.Length > 0)];
            stats.Sentences += sentences[p].Count;
        }

        var counts = sentences.Select(p => (IReadOnlyList<int>)p.Select(s => s.Length).ToArray()).ToArray();
        var examples = Examples(sentences, counts, options.MaxLen, new Random(ChunkSeed(options.Seed, chunk.Index)), stats);
        // Phase 2 draws from its own stream (an index no chunk has), so the phase-1 shards are the same bytes with or without it.
        var phase2 = options.Phase2MaxLen is { } phase2MaxLen
            ? Examples(sentences, counts, phase2MaxLen, new Random(ChunkSeed(options.Seed, ~chunk.Index)), new PrepStats())
            : [];
        return new ChunkResult(chunk.Index, examples, stats) { Phase2Examples = phase2 };
    }

    /// <summary>
    /// Pairs, encodes to <paramref name="maxLen"/> and masks; none when the chunk cannot be paired (whether the whole
    /// book gave any pair is decided once, over all chunks: <see cref="ShardManifest.NoPairsError"/>).
    /// </summary>
    private List<PretrainingExample> Examples(List<int[]>[] sentences, IReadOnlyList<int>[] counts, int maxLen, Random random, PrepStats stats)
    {
        List<NspPair> pairs;
        try
        {
            pairs = NspPairs.Create(counts, NspOptionsFor(options, maxLen), random);
        }
        catch (NotEnoughTextException)
        {
            return [];
        }

        var masking = options.ToMaskingOptions();
        var examples = new List<PretrainingExample>(pairs.Count * options.DupeFactor);
        foreach (var pair in pairs)
        {
            var encoded = tokenizer.EncodePair(Tokens(sentences, pair.A), Tokens(sentences, pair.B), maxLen, pair.NextSentenceLabel);
            stats.Pairs++;
            if (pair.NextSentenceLabel == 0) stats.IsNextPairs++;
            if (encoded.Truncated) stats.TruncatedPairs++;
            for (var d = 0; d < options.DupeFactor; d++)
            {
                var example = Masking.Masking.Apply(encoded, masking, tokenizer, random);
                examples.Add(example);
                Count(stats, encoded, example);
            }
        }
        return examples;
    }

    public static NspOptions NspOptionsFor(PrepOptions options, int? maxLen = null)
        => new() { Mode = options.Pairing, MaxTokens = maxLen ?? options.MaxLen, ShortSeqProb = options.ShortSeqProb };

    /// <summary>A chunk's own seed, so chunks prepared in any order or in parallel give the same bytes.</summary>
    public static int ChunkSeed(int seed, int chunkIndex)
    {
        // SplitMix64 finaliser: neighbouring (seed, index) pairs get unrelated streams; HashCode is randomised per process.
        var z = ((ulong)(uint)seed << 32 | (uint)chunkIndex) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private static int[] Tokens(List<int[]>[] sentences, SentenceSpan span)
    {
        var paragraph = sentences[span.Paragraph];
        if (span.Count == 1) return paragraph[span.First];
        return [.. Enumerable.Range(span.First, span.Count).SelectMany(s => paragraph[s])];
    }

    private void Count(PrepStats stats, EncodedPair encoded, PretrainingExample example)
    {
        stats.Sequences++;
        stats.Tokens += example.Length;
        foreach (var id in encoded.InputIds)
        {
            if (id == tokenizer.Special.Unk) stats.UnkTokens++;
            if (!tokenizer.IsSpecial(id)) stats.MaskableTokens++;
        }
        foreach (var label in example.Labels)
            if (label != ShardFormat.IgnoreLabel) stats.PredictedTokens++;
    }
}
