using System.Globalization;

namespace BertServerless.Shared.Tokenization;

/// <summary>
/// <c>domain-vocabulary.json</c>, beside a job's vocab.txt: the words a domain vocabulary chose, their pieces before
/// and after, and the share of the book's word-piece tokens they save.
/// </summary>
public sealed record DomainVocabularyReport(
    string VocabSha256,
    int MinCount,
    long TokensBefore,
    long TokensAfter,
    double SavedShare,
    IReadOnlyList<DomainWordReport> Words)
{
    public static DomainVocabularyReport For(DomainVocabularyResult result, BertTokenization before, int minCount) => new(
        result.Tokenization.VocabSha256, minCount, result.TokensBefore, result.TokensAfter, result.SavedShare,
        [.. result.Words.Select(w => new DomainWordReport(w.Word, w.Id, w.Count,
            [.. before.Encode(w.Word).Select(before.IdToToken)], result.Tokenization.Encode(w.Word).Length,
            (long)w.Count * (w.PiecesBefore - 1)))]);

    public string ToJson() => DocumentJson.Serialize(this);

    /// <summary>One line for a job's history or a command's summary.</summary>
    public string Summary()
    {
        var examples = string.Join(", ", Words.Take(5).Select(w => $"{w.Word} ({string.Join(' ', w.PiecesBefore)})"));
        return string.Create(CultureInfo.InvariantCulture, $"Domain vocabulary: {Words.Count} word(s) in [unusedN] slots save {SavedShare:P2} of the book's tokens")
               + (Words.Count > 0 ? $"; e.g. {examples}." : ".");
    }
}

/// <summary>A chosen word: its vocabulary id, how often the book uses it, its pieces before, and the tokens it saves.</summary>
public sealed record DomainWordReport(string Word, int Id, int Count, IReadOnlyList<string> PiecesBefore, int PiecesAfter, long TokensSaved);
