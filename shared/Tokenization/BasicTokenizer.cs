using System.Buffers;
using System.Globalization;
using System.Text;

namespace BertServerless.Shared.Tokenization;

/// <summary>
/// Hugging Face <c>BasicTokenizer</c> (transformers, <c>tokenization_bert.py</c>): clean the text, put spaces around CJK
/// ideographs, split on whitespace, lower-case and strip accents, split off punctuation. The result is the text's
/// words joined by single spaces, ready for WordPiece.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers 2.0.1 has its own Bert normalizer and pre-tokenizer, but they differ from Hugging Face where
/// books are concerned: <c>\n</c>, <c>\t</c>, <c>\r</c> are deleted instead of becoming spaces, so wrapped lines merge
/// words (dotnet/machinelearning#7724); symbols such as <c>$ + = &lt; &gt; | ~ ^</c> and the backtick are dropped instead
/// of becoming tokens (#7725); a zero-width space splits a word where Hugging Face deletes it; and the text is recomposed
/// (NFC) after the accents are stripped, so Korean becomes [UNK] instead of jamo pieces. Those steps are internal to the
/// library, so they are redone here, step for step as in Python, and only the WordPiece matching is left to the library.
/// Checked against a Python port of the Hugging Face code on both books and on every code point up to U+2FFFF: the only
/// differences are characters whose Unicode category changed after Unicode 14 (Python 3.11).
/// </remarks>
internal static class BasicTokenizer
{
    /// <summary>The text's basic tokens, separated by one or more spaces.</summary>
    public static string Run(ReadOnlySpan<char> text, bool lowerCase)
    {
        var output = new StringBuilder(text.Length + text.Length / 4 + 16);
        var word = ArrayPool<char>.Shared.Rent(64);
        var wordLength = 0;
        var wordIsAscii = true;

        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (c < 0x80)
            {
                i++;
                switch (AsciiClasses[c])
                {
                    case AsciiClass.Whitespace:
                        EndWord();
                        break;
                    case AsciiClass.Removed:
                        break;
                    default:
                        Append(c);
                        break;
                }
                continue;
            }

            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed) != OperationStatus.Done)
            {
                // A lone surrogate is category Cs in Python: removed like any other control character.
                i += consumed;
                continue;
            }
            i += consumed;

            var category = Rune.GetUnicodeCategory(rune);
            if (IsWhitespace(category))
            {
                EndWord();
            }
            else if (rune.Value == 0xFFFD || IsControl(category))
            {
                continue;
            }
            else if (IsCjk(rune.Value))
            {
                // An ideograph is a word of its own, still normalised like one (NFC maps compatibility ideographs).
                EndWord();
                AppendUnits(text.Slice(i - consumed, consumed));
                EndWord();
            }
            else
            {
                AppendUnits(text.Slice(i - consumed, consumed));
            }
        }
        EndWord();
        ArrayPool<char>.Shared.Return(word);
        return output.ToString();

        void Append(char c)
        {
            if (wordLength == word.Length)
            {
                var bigger = ArrayPool<char>.Shared.Rent(word.Length * 2);
                word.AsSpan().CopyTo(bigger);
                ArrayPool<char>.Shared.Return(word);
                word = bigger;
            }
            word[wordLength++] = c;
        }

        void AppendUnits(ReadOnlySpan<char> units)
        {
            wordIsAscii = false;
            foreach (var unit in units) Append(unit);
        }

        void EndWord()
        {
            if (wordLength == 0) return;
            var span = word.AsSpan(0, wordLength);
            if (wordIsAscii) AppendAsciiWord(output, span, lowerCase);
            else AppendUnicodeWord(output, span, lowerCase);
            output.Append(' ');
            wordLength = 0;
            wordIsAscii = true;
        }
    }

    // ASCII needs no Unicode normalisation: lower-case and split off punctuation in one pass.
    private static void AppendAsciiWord(StringBuilder output, ReadOnlySpan<char> word, bool lowerCase)
    {
        foreach (var c in word)
        {
            if (AsciiClasses[c] == AsciiClass.Punctuation)
                output.Append(' ').Append(c).Append(' ');
            else
                output.Append(lowerCase ? char.ToLowerInvariant(c) : c);
        }
    }

    // Python order: NFC over the text (a word never composes with the space before it, so per word is the same),
    // then lower(), then NFD and drop the nonspacing marks (Mn) when lower-casing, then split off punctuation.
    private static void AppendUnicodeWord(StringBuilder output, ReadOnlySpan<char> word, bool lowerCase)
    {
        var text = new string(word).Normalize(NormalizationForm.FormC);
        if (lowerCase) text = PythonLowerCase.Lower(text).Normalize(NormalizationForm.FormD);

        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (lowerCase && category == UnicodeCategory.NonSpacingMark) continue;
            if (IsPunctuation(rune.Value, category))
            {
                output.Append(' ');
                AppendRune(output, rune);
                output.Append(' ');
            }
            else
            {
                AppendRune(output, rune);
            }
        }
    }

    private static void AppendRune(StringBuilder output, Rune rune)
    {
        Span<char> utf16 = stackalloc char[2];
        output.Append(utf16[..rune.EncodeToUtf16(utf16)]);
    }

    // Python's str.split() also splits on line and paragraph separators (Zl, Zp), so they act as spaces too.
    private static bool IsWhitespace(UnicodeCategory category) =>
        category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    // Every category starting with C in Python: Cc, Cf, Cs, Co, Cn.
    private static bool IsControl(UnicodeCategory category) =>
        category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    // HF counts every non-alphanumeric printable ASCII character as punctuation, and category P* beyond ASCII.
    private static bool IsPunctuation(int codePoint, UnicodeCategory category) =>
        codePoint < 0x80
            ? AsciiClasses[codePoint] == AsciiClass.Punctuation
            : category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation;

    // The CJK Unified Ideographs blocks, exactly as HF's _is_chinese_char lists them (not Hangul, Hiragana, Katakana).
    private static bool IsCjk(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private enum AsciiClass : byte { Word, Whitespace, Removed, Punctuation }

    private static readonly AsciiClass[] AsciiClasses = BuildAsciiClasses();

    private static AsciiClass[] BuildAsciiClasses()
    {
        var classes = new AsciiClass[0x80];
        for (var c = 0; c < 0x80; c++)
        {
            classes[c] = c switch
            {
                ' ' or '\t' or '\n' or '\r' => AsciiClass.Whitespace,
                < 0x20 or 0x7F => AsciiClass.Removed,
                (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126) => AsciiClass.Punctuation,
                _ => AsciiClass.Word,
            };
        }
        return classes;
    }
}
