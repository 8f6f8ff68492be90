namespace BertServerless.Shared.Text;

/// <summary>
/// Next-sentence-prediction pairs, built from sentence token counts so each sentence is tokenized once elsewhere.
/// Half the pairs, by a fair coin, take the true continuation as B (<see cref="NspPair.IsNext"/>); the others take B
/// from a different paragraph (<see cref="NspPair.IsRandom"/>), chosen uniformly over its sentences, so a random B
/// is never the true next sentence nor from A's paragraph. Uses only the given <see cref="Random"/>, in paragraph
/// order: the same input, options and seed give the same pairs.
/// </summary>
public static class NspPairs
{
    // [CLS] A [SEP] B [SEP]
    private const int SpecialTokens = 3;

    private const double IsNextProbability = 0.5;

    /// <summary>
    /// Pairs for <paramref name="sentenceTokenCounts"/>, where <c>sentenceTokenCounts[p][s]</c> is the token count of
    /// sentence s of paragraph p. Throws <see cref="NotEnoughTextException"/> when no correctly labelled pair can be made.
    /// </summary>
    public static List<NspPair> Create(IReadOnlyList<IReadOnlyList<int>> sentenceTokenCounts, NspOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(sentenceTokenCounts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTokens, SpecialTokens + 2, nameof(options.MaxTokens));
        if (options.ShortSeqProb is not (>= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.ShortSeqProb, "ShortSeqProb must be between 0 and 1.");

        var paragraphs = new Paragraphs(sentenceTokenCounts);
        if (options.Mode != PairingMode.Segment && !sentenceTokenCounts.Any(p => p.Count >= 2))
            throw new NotEnoughTextException("No paragraph of two sentences: next-sentence pairs need at least one paragraph with two or more sentences.");
        if (paragraphs.WithSentences < 2)
            throw new NotEnoughTextException($"Only {paragraphs.WithSentences} paragraph has sentences: a random B must come from a different paragraph, so at least two are needed.");

        return options.Mode switch
        {
            PairingMode.Sentence => EverySentence(paragraphs, random),
            PairingMode.Tutorial => OnePerParagraph(paragraphs, random),
            PairingMode.Segment => Segments(paragraphs, options, random),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Unknown pairing mode."),
        };
    }

    private static List<NspPair> EverySentence(Paragraphs paragraphs, Random random)
    {
        var pairs = new List<NspPair>();
        for (var p = 0; p < paragraphs.Count; p++)
            for (var s = 0; s + 1 < paragraphs.Sentences(p); s++)
                pairs.Add(SentencePair(paragraphs, new SentenceSpan(p, s, 1), random));
        return pairs;
    }

    private static List<NspPair> OnePerParagraph(Paragraphs paragraphs, Random random)
    {
        var pairs = new List<NspPair>();
        for (var p = 0; p < paragraphs.Count; p++)
            if (paragraphs.Sentences(p) >= 2)
                pairs.Add(SentencePair(paragraphs, new SentenceSpan(p, random.Next(paragraphs.Sentences(p) - 1), 1), random));
        return pairs;
    }

    private static NspPair SentencePair(Paragraphs paragraphs, SentenceSpan a, Random random) =>
        random.NextDouble() < IsNextProbability
            ? new NspPair(a, a with { First = a.First + 1 }, NspPair.IsNext)
            : new NspPair(a, paragraphs.RandomSentenceOutside(a.Paragraph, random), NspPair.IsRandom);

    /// <summary>Google BERT's create_instances_from_document, with a paragraph as the document.</summary>
    private static List<NspPair> Segments(Paragraphs paragraphs, NspOptions options, Random random)
    {
        var maxTokens = options.MaxTokens - SpecialTokens;
        var pairs = new List<NspPair>();
        for (var p = 0; p < paragraphs.Count; p++)
        {
            var sentences = paragraphs.Sentences(p);
            if (sentences == 0) continue;
            var target = random.NextDouble() < options.ShortSeqProb ? random.Next(2, maxTokens + 1) : maxTokens;
            var chunkFirst = 0;
            var chunkTokens = 0;
            for (var i = 0; i < sentences; i++)
            {
                chunkTokens += paragraphs.TokenCount(p, i);
                if (i + 1 < sentences && chunkTokens < target) continue;

                var chunkCount = i - chunkFirst + 1;
                var a = new SentenceSpan(p, chunkFirst, chunkCount >= 2 ? random.Next(1, chunkCount) : 1);
                NspPair pair;
                if (chunkCount == 1 || random.NextDouble() >= IsNextProbability)
                {
                    pair = new NspPair(a, RandomRun(paragraphs, p, target - paragraphs.TokenCount(a), random), NspPair.IsRandom);
                    // The chunk's sentences after A were not used: the next chunk starts with them.
                    i = a.First + a.Count - 1;
                }
                else
                    pair = new NspPair(a, new SentenceSpan(p, a.First + a.Count, chunkCount - a.Count), NspPair.IsNext);

                pairs.Add(FitBudget(paragraphs, pair, maxTokens));
                chunkFirst = i + 1;
                chunkTokens = 0;
            }
        }

        return pairs;
    }

    /// <summary>Sentences of another paragraph from a random start, up to <paramref name="targetTokens"/>; at least one.</summary>
    private static SentenceSpan RandomRun(Paragraphs paragraphs, int excludedParagraph, int targetTokens, Random random)
    {
        var start = paragraphs.RandomSentenceOutside(excludedParagraph, random);
        var tokens = paragraphs.TokenCount(start);
        var count = 1;
        while (tokens < targetTokens && start.First + count < paragraphs.Sentences(start.Paragraph))
            tokens += paragraphs.TokenCount(start.Paragraph, start.First + count++);
        return start with { Count = count };
    }

    /// <summary>
    /// Drops whole sentences, from the front of A or the back of B (so B still follows A), until the pair fits.
    /// A pair of two single sentences may still be over: the caller truncates tokens, as Google's truncate_seq_pair.
    /// </summary>
    private static NspPair FitBudget(Paragraphs paragraphs, NspPair pair, int maxTokens)
    {
        var (a, b) = (pair.A, pair.B);
        while (paragraphs.TokenCount(a) + paragraphs.TokenCount(b) > maxTokens)
        {
            var trimA = a.Count > 1 && (b.Count == 1 || paragraphs.TokenCount(a) > paragraphs.TokenCount(b));
            if (trimA) a = new SentenceSpan(a.Paragraph, a.First + 1, a.Count - 1);
            else if (b.Count > 1) b = b with { Count = b.Count - 1 };
            else break;
        }

        return pair with { A = a, B = b };
    }

    /// <summary>Sentence counts with running totals, to draw a sentence uniformly from all paragraphs but one.</summary>
    private sealed class Paragraphs
    {
        private readonly IReadOnlyList<IReadOnlyList<int>> tokenCounts;

        // sentencesBefore[p]: sentences in paragraphs 0..p-1; the last entry is the total.
        private readonly long[] sentencesBefore;

        public Paragraphs(IReadOnlyList<IReadOnlyList<int>> tokenCounts)
        {
            this.tokenCounts = tokenCounts;
            sentencesBefore = new long[tokenCounts.Count + 1];
            for (var p = 0; p < tokenCounts.Count; p++)
            {
                var counts = tokenCounts[p] ?? throw new ArgumentException($"Paragraph {p} has no token count list.", nameof(tokenCounts));
                for (var s = 0; s < counts.Count; s++)
                    if (counts[s] < 0) throw new ArgumentException($"Sentence {s} of paragraph {p} has a negative token count ({counts[s]}).", nameof(tokenCounts));
                sentencesBefore[p + 1] = sentencesBefore[p] + counts.Count;
                if (counts.Count > 0) WithSentences++;
            }
        }

        public int Count => tokenCounts.Count;

        public int WithSentences { get; }

        public int Sentences(int paragraph) => tokenCounts[paragraph].Count;

        public int TokenCount(int paragraph, int sentence) => tokenCounts[paragraph][sentence];

        public int TokenCount(SentenceSpan span)
        {
            var tokens = 0;
            for (var s = span.First; s < span.First + span.Count; s++) tokens += tokenCounts[span.Paragraph][s];
            return tokens;
        }

        public SentenceSpan RandomSentenceOutside(int excluded, Random random)
        {
            var total = sentencesBefore[^1];
            var excludedCount = Sentences(excluded);
            var index = random.NextInt64(total - excludedCount);
            if (index >= sentencesBefore[excluded]) index += excludedCount;
            var paragraph = ParagraphOf(index);
            return new SentenceSpan(paragraph, (int)(index - sentencesBefore[paragraph]), 1);
        }

        /// <summary>The paragraph holding sentence <paramref name="index"/> of the whole text: binary search on the totals.</summary>
        private int ParagraphOf(long index)
        {
            int low = 0, high = Count - 1;
            while (low < high)
            {
                var mid = (low + high + 1) / 2;
                if (sentencesBefore[mid] <= index) low = mid;
                else high = mid - 1;
            }

            return low;
        }
    }
}
