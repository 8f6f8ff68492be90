namespace BertServerless.Shared.Text;

/// <summary>
/// Splits a paragraph into sentences in one pass. A sentence ends at a run of <c>. ? !</c> (such as "?!") plus any
/// closing quotes or brackets, when whitespace or the end follows and the next word does not start with a lowercase
/// letter (<c>"What?" said he.</c> stays whole). Not sentence ends: an ellipsis ("..." or "…") without ? or !, which
/// trails off or pauses more often than it ends; a lone full stop after an abbreviation ("Mr.", "Dr.", "St."),
/// an initial ("J. S. Bach"; not "I", which is usually the pronoun) or a dotted abbreviation ("e.g.", "U.S.").
/// Decimals ("3.14") never split, since no whitespace follows their point.
/// </summary>
public static class SentenceSplitter
{
    // Titles and the like that are nearly always followed by more of the same sentence. "etc." and "no." are left
    // out: they end sentences too often, and before a lowercase word the general rule already keeps them.
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "messrs", "dr", "prof", "rev", "hon", "st", "mt", "jr", "sr", "vs", "cf", "gen", "col",
        "capt", "lt", "sgt", "fig", "vol", "approx",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> AbbreviationLookup =
        Abbreviations.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The sentences of <paramref name="paragraph"/>, trimmed, with empty ones dropped.</summary>
    public static IReadOnlyList<string> Split(string paragraph)
    {
        ArgumentNullException.ThrowIfNull(paragraph);
        var sentences = new List<string>();
        var text = paragraph.AsSpan();
        var start = 0;
        var i = text.IndexOfAny(".?!…");
        while (i >= 0)
        {
            var marksEnd = i;
            while (marksEnd < text.Length && IsTerminal(text[marksEnd])) marksEnd++;
            var end = marksEnd;
            while (end < text.Length && IsClosing(text[end])) end++;
            if (EndsSentence(text, i, marksEnd, end))
            {
                Add(sentences, text[start..end]);
                start = end;
            }

            var next = end < text.Length ? text[end..].IndexOfAny(".?!…") : -1;
            i = next < 0 ? -1 : end + next;
        }

        Add(sentences, text[start..]);
        return sentences;
    }

    /// <summary>Whether the marks at [<paramref name="mark"/>, <paramref name="marksEnd"/>), with closing quotes up to <paramref name="end"/>, close a sentence.</summary>
    private static bool EndsSentence(ReadOnlySpan<char> text, int mark, int marksEnd, int end)
    {
        if (end < text.Length && !char.IsWhiteSpace(text[end])) return false;
        var after = text[end..].TrimStart();
        if (!after.IsEmpty && char.IsLower(after[0])) return false;
        var marks = text[mark..marksEnd];
        if (marks.ContainsAny('?', '!')) return true;
        return marks is "." && !IsAbbreviation(WordBefore(text, mark));
    }

    /// <summary>The letters and dots just before <paramref name="mark"/>: "Mr" in "Mr.", "e.g" in "e.g.".</summary>
    private static ReadOnlySpan<char> WordBefore(ReadOnlySpan<char> text, int mark)
    {
        var start = mark;
        while (start > 0 && (char.IsLetter(text[start - 1]) || text[start - 1] == '.')) start--;
        return text[start..mark];
    }

    private static bool IsAbbreviation(ReadOnlySpan<char> word) =>
        word.Length == 1 ? char.IsUpper(word[0]) && word[0] != 'I'
        : word.Contains('.') ? word[0] != '.'
        : AbbreviationLookup.Contains(word);

    private static bool IsTerminal(char c) => c is '.' or '?' or '!' or '…';

    private static bool IsClosing(char c) => c is '"' or '\'' or '”' or '’' or ')' or ']' or '»';

    private static void Add(List<string> sentences, ReadOnlySpan<char> sentence)
    {
        var trimmed = sentence.Trim();
        if (!trimmed.IsEmpty) sentences.Add(trimmed.ToString());
    }
}
