using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Tokenization;

/// <summary>
/// <see cref="BertTokenization.Encode"/> against Hugging Face <c>BertTokenizer</c> (bert-base-uncased). Expected tokens
/// follow the HF algorithm step by step; each is a line of the vocabulary file (id = line number - 1).
/// </summary>
public class EncodeTests
{
    private static readonly BertTokenization Bert = BertTokenization.Default;

    private static string Tokens(string text) => string.Join(" ", Bert.Encode(text).Select(Bert.IdToToken));

    [Fact]
    public void Encode_hf_docs_example_gives_known_ids()
    {
        int[] withSpecials = [Bert.Special.Cls, .. Bert.Encode("Hello, my dog is cute"), Bert.Special.Sep];
        Assert.Equal([101, 7592, 1010, 2026, 3899, 2003, 10140, 102], withSpecials);
    }

    [Fact]
    public void Encode_long_word_splits_into_wordpieces() =>
        Assert.Equal([4895, 8671, 2666, 3567, 6321], Bert.Encode("unbelievably")); // un ##bel ##ie ##va ##bly

    [Theory]
    [InlineData("end of line\nnext\tword\r\nthird", "end of line next word third")]
    [InlineData("first line\n\nsecond paragraph", "first line second paragraph")]
    [InlineData("x\u3000y\u00A0z\u2028w", "x y z w")] // ideographic space, no-break space, line separator
    public void Encode_words_separated_by_newline_tab_or_unicode_space_stay_apart(string text, string expected) =>
        Assert.Equal(expected, Tokens(text)); // dotnet/machinelearning#7724 merges "line\nnext" into one word

    [Theory]
    [InlineData("price $5 + tax", "price $ 5 + tax")]
    [InlineData("a=b<c>d|e~f^g `h`", "a = b < c > d | e ~ f ^ g ` h `")]
    [InlineData("25° ©2020", "25 ##° © ##20 ##20")] // ° and © are symbols (So), not punctuation: they stay inside the word
    public void Encode_ascii_symbols_become_tokens(string text, string expected) =>
        Assert.Equal(expected, Tokens(text)); // dotnet/machinelearning#7725 drops them

    [Fact]
    public void Encode_price_gives_known_ids() =>
        Assert.Equal([3976, 1002, 1019, 1009, 4171], Bert.Encode("price $5 + tax"));

    [Theory]
    [InlineData("Don't stop—now… “quoted”", "don ' t stop — now … “ quoted ”")]
    [InlineData("Well,(yes)!", "well , ( yes ) !")]
    public void Encode_punctuation_splits_into_own_tokens(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Theory]
    [InlineData("café naïve Müller Ångström", "cafe naive muller ang ##strom")]
    [InlineData("cafe\u0301", "cafe")] // decomposed accent
    [InlineData("HELLO World", "hello world")]
    [InlineData("ΟΔΟΣ İstanbul", "ο ##δ ##ος istanbul")] // Python's lower(): final sigma, dotted capital I
    public void Encode_lower_cases_and_strips_accents(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Fact]
    public void Encode_hangul_stays_decomposed_into_jamo() =>
        Assert.Equal("ᄒ ##ᅡ ##ᆫ ##ᄀ ##ᅮ ##ᆨ", Tokens("한국")); // NFD without recomposition, as Python leaves it

    [Fact]
    public void Encode_cjk_ideographs_become_single_tokens() =>
        Assert.Equal("北 京 大 学 is in 中 国", Tokens("北京大学 is in 中国"));

    [Fact]
    public void Encode_cjk_compatibility_ideograph_is_normalised_first() =>
        Assert.Equal("a 金 b", Tokens("a\uF90Ab")); // NFC maps U+F90A to U+91D1

    [Theory]
    [InlineData("\uFEFFThe\u00ADend", "thee ##nd")] // byte-order mark and soft hyphen are format characters (Cf)
    [InlineData("zero\u200Bwidth", "zero ##wi ##dt ##h")]
    [InlineData("hello\u0000world\u0007bell\uFFFD", "hello ##world ##bell")]
    public void Encode_control_and_format_characters_are_removed_without_splitting(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Theory]
    [InlineData("１２３ ＡＢＣ", "[UNK] [UNK]")] // full-width forms are not folded (no NFKC in BERT)
    [InlineData("😀 smile", "[UNK] smile")]
    public void Encode_word_outside_vocabulary_becomes_unk(string text, string expected) =>
        Assert.Equal(expected, Tokens(text));

    [Fact]
    public void Encode_word_over_100_chars_becomes_unk()
    {
        Assert.Equal("[UNK]", Tokens(new string('a', 101)));
        Assert.NotEqual("[UNK]", Tokens(new string('a', 100)));
    }

    [Fact]
    public void Encode_text_spelling_a_control_token_gives_plain_tokens() =>
        Assert.Equal("[ mask ] and [ cl ##s ]", Tokens("[MASK] and [CLS]"));

    [Fact]
    public void Encode_empty_or_blank_text_gives_no_tokens()
    {
        Assert.Empty(Bert.Encode(""));
        Assert.Empty(Bert.Encode(" \n\t\u200B "));
    }

    [Fact]
    public void Encode_cased_vocabulary_keeps_case_and_accents()
    {
        var cased = BertTokenization.FromVocabFile(TestData.Vocab, lowerCase: false);
        Assert.False(cased.LowerCase);
        Assert.Equal("[UNK] world", string.Join(" ", cased.Encode("Hello world").Select(cased.IdToToken))); // the uncased vocabulary has no "H"
    }

    [Fact]
    public void Encode_sherlock_gives_ordinary_tokens_and_readable_text()
    {
        var text = File.ReadAllText(TestData.Sherlock);
        var ids = Bert.Encode(text);

        Assert.InRange(ids.Length, 130_000, 140_000);
        Assert.True(ids.Count(id => id == Bert.Special.Unk) < 10, "the plain English book should hardly need [UNK]");
        Assert.DoesNotContain(ids, id => Bert.IsSpecial(id) && id != Bert.Special.Unk);
        Assert.StartsWith("the adventures of sherlock holmes by arthur conan doyle", Bert.Decode(ids));
    }
}
