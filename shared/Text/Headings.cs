namespace BertServerless.Shared.Text;

/// <summary>
/// The one rule for what is not prose: titles, chapter headings ("I. A SCANDAL IN BOHEMIA", "II."), "Contents" and
/// table-of-contents entries. Kept, they would pass for sentences and teach the model false continuations.
/// A paragraph is a heading when every line of it is heading-like: after dropping a leading section number
/// ("XII. The Adventure" becomes "The Adventure"), the line is at most <see cref="MaxChars"/> characters, has no
/// sentence-final mark (. ? ! …) and does not end with a comma, colon, semicolon or dash (which carry a sentence on,
/// as in the broken-off <c>“But your client—”</c>). A bare number ("II.") is dropped only as a paragraph of its own:
/// inside wrapped prose it is a word that wrapped, as "I." in "said / I.".
/// </summary>
internal static class Headings
{
    /// <summary>Headings are short; longer lines without a full stop are prose broken off mid-sentence.</summary>
    public const int MaxChars = 80;

    /// <summary>Whether a one-line paragraph is a heading.</summary>
    public static bool IsHeading(ReadOnlySpan<char> line) => IsHeadingLine(line, alone: true);

    /// <summary>Whether a paragraph of wrapped lines is a heading.</summary>
    public static bool IsHeading(List<string> lines) =>
        lines.Count == 1 ? IsHeading(lines[0]) : lines.TrueForAll(line => IsHeadingLine(line, alone: false));

    private static bool IsHeadingLine(ReadOnlySpan<char> line, bool alone)
    {
        var text = WithoutSectionNumber(line.Trim(), alone);
        if (text.Length > MaxChars || text.IndexOfAny(".?!…") >= 0) return false;
        var end = text.TrimEnd("\"')]”’»");
        return end.IsEmpty || end[^1] is not (',' or ':' or ';' or '-' or '–' or '—');
    }

    /// <summary>"XII. The Adventure" becomes "The Adventure"; "II." becomes empty when <paramref name="alone"/>.</summary>
    private static ReadOnlySpan<char> WithoutSectionNumber(ReadOnlySpan<char> line, bool alone)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiDigit(line[i]) || line[i] is 'I' or 'V' or 'X' or 'L' or 'C')) i++;
        if (i == 0 || i == line.Length || line[i] != '.') return line;
        var rest = line[(i + 1)..];
        if (rest.IsEmpty) return alone ? rest : line;
        return char.IsWhiteSpace(rest[0]) ? rest.TrimStart() : line;
    }
}
