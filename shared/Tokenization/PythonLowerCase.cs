using System.Globalization;
using System.Text;

namespace BertServerless.Shared.Tokenization;

/// <summary>
/// Python's <c>str.lower()</c>, which Hugging Face applies to each word. .NET lower-cases one character to one; Python
/// uses the full Unicode mapping, which differs for two letters: İ (U+0130) becomes i + combining dot (later stripped
/// with the accents), and Σ at the end of a word becomes final sigma ς.
/// </summary>
internal static class PythonLowerCase
{
    private const char CapitalIWithDot = '\u0130';
    private const char CapitalSigma = '\u03A3';

    public static string Lower(string text)
    {
        var lower = text.ToLowerInvariant();
        if (!text.AsSpan().ContainsAny(CapitalIWithDot, CapitalSigma)) return lower;

        // ToLowerInvariant keeps the length, so lower[i] is text[i] lower-cased.
        var result = new StringBuilder(text.Length + 4);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == CapitalIWithDot) result.Append("i\u0307");
            else if (text[i] == CapitalSigma) result.Append(IsFinalSigma(text, i) ? 'ς' : 'σ');
            else result.Append(lower[i]);
        }
        return result.ToString();
    }

    // Unicode's Final_Sigma condition, as CPython tests it: a cased letter before (case-ignorables skipped), none after.
    private static bool IsFinalSigma(string text, int sigma)
    {
        var before = sigma - 1;
        while (before >= 0 && IsCaseIgnorable(text[before])) before--;
        if (before < 0 || !IsCased(text[before])) return false;

        var after = sigma + 1;
        while (after < text.Length && IsCaseIgnorable(text[after])) after++;
        return after == text.Length || !IsCased(text[after]);
    }

    private static bool IsCased(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    // Marks, format characters, modifiers, and the in-word punctuation Unicode lists (apostrophes, full stop, colon, middle dot).
    private static bool IsCaseIgnorable(char c) =>
        c is '\'' or '.' or ':' or '\u00B7' or '\u0387' or '\u2018' or '\u2019' or '\u2024' or '\u2027'
        || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
