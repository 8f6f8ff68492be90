using System.Text;
using System.Text.RegularExpressions;

namespace BertServerless.Shared.Tokenization;

/// <summary>
/// Gives a book's frequent, badly split words BERT's reserved <c>[unusedN]</c> slots. WordPiece matches the longest
/// vocabulary entry from a word's start, so once a whole word is in the vocabulary it becomes one token, in this
/// tokenizer and in Hugging Face's <c>BertTokenizer</c> alike, without a change to either; and the vocabulary keeps its
/// size, so a checkpoint keeps its shape.
/// </summary>
public static partial class DomainVocabulary
{
    /// <summary>A word must break into at least this many pieces to be worth a slot: two-piece words gain little.</summary>
    public const int MinPieces = 3;

    /// <summary>The file name of the job's vocabulary report, beside its vocab.txt.</summary>
    public const string ReportFile = "domain-vocabulary.json";

    /// <summary>Counts the words of <paramref name="texts"/> and builds as <see cref="Build(BertTokenization, DomainWordCounts, int, int)"/>.</summary>
    public static DomainVocabularyResult Build(BertTokenization vocabulary, IEnumerable<string> texts, int maxWords, int minCount)
    {
        var counts = new DomainWordCounts(vocabulary.LowerCase);
        foreach (var text in texts) counts.Add(text);
        return Build(vocabulary, counts, maxWords, minCount);
    }

    /// <summary>
    /// Picks up to <paramref name="maxWords"/> of the counted words that occur at least <paramref name="minCount"/>
    /// times and break into <see cref="MinPieces"/> or more pieces, ranked by the tokens they save
    /// (count × (pieces − 1), ties by word), and writes them over the placeholders in id order. The result's
    /// <see cref="DomainVocabularyResult.Tokenization"/> tokenizes with the new vocabulary.
    /// </summary>
    public static DomainVocabularyResult Build(BertTokenization vocabulary, DomainWordCounts words, int maxWords, int minCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWords);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var slots = Placeholders(vocabulary);
        if (maxWords > slots.Count)
            throw new ArgumentException($"domain_vocab={maxWords} asks for more words than the vocabulary has [unusedN] slots ({slots.Count}).");
        var counts = words.Counts;
        var pieces = counts.Keys.ToDictionary(w => w, w => vocabulary.Encode(w).Length, StringComparer.Ordinal);

        var chosen = counts
            .Where(c => c.Value >= minCount && pieces[c.Key] >= MinPieces)
            .OrderByDescending(c => (long)c.Value * (pieces[c.Key] - 1))
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(maxWords)
            .Select((c, i) => new DomainWord(c.Key, c.Value, pieces[c.Key], slots[i]))
            .ToArray();

        var tokens = Enumerable.Range(0, vocabulary.VocabSize).Select(vocabulary.IdToToken).ToArray();
        foreach (var word in chosen) tokens[word.Id] = word.Word;
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', tokens) + "\n");
        var adapted = BertTokenization.FromVocabBytes(bytes, vocabulary.LowerCase, "domain vocabulary");

        var before = counts.Sum(c => (long)c.Value * pieces[c.Key]);
        var after = counts.Sum(c => (long)c.Value * adapted.Encode(c.Key).Length);
        return new DomainVocabularyResult(adapted, chosen, before, after);
    }

    /// <summary>The ids of the <c>[unusedN]</c> rows, in id order: the slots a vocabulary reserves for its users.</summary>
    public static IReadOnlyList<int> Placeholders(BertTokenization vocabulary)
        => [.. Enumerable.Range(0, vocabulary.VocabSize).Where(id => IsUnusedSlot(vocabulary.IdToToken(id)))];

    /// <summary>Whether a vocabulary entry is a reserved <c>[unusedN]</c> placeholder, free for a domain word.</summary>
    public static bool IsUnusedSlot(string token) => UnusedToken().IsMatch(token);

    [GeneratedRegex(@"^\[unused\d+\]$")]
    private static partial Regex UnusedToken();
}

/// <summary>A word given a placeholder slot: how often the book uses it and how many pieces it broke into before.</summary>
public sealed record DomainWord(string Word, int Count, int PiecesBefore, int Id);

/// <summary>The adapted vocabulary, the words it gained, and the book's token count with the old and the new one.</summary>
public sealed record DomainVocabularyResult(BertTokenization Tokenization, IReadOnlyList<DomainWord> Words, long TokensBefore, long TokensAfter)
{
    /// <summary>Share of the book's word-piece tokens the new words save.</summary>
    public double SavedShare => TokensBefore == 0 ? 0 : 1 - (double)TokensAfter / TokensBefore;
}
