using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Tokenization;

public class DomainVocabularyTests
{
    private static readonly BertTokenization Bert = BertTokenization.Default;

    private static IReadOnlyList<string> Meditations()
    {
        using var book = File.OpenRead(TestData.Meditations);
        return [.. BookReader.ReadParagraphs(book, new BookReaderOptions(), "meditations.txt")];
    }

    [Fact]
    public void Build_no_words_gives_the_same_vocabulary_bytes()
    {
        var result = DomainVocabulary.Build(Bert, ["Antoninus and Antoninus"], maxWords: 0, minCount: 1);
        Assert.Empty(result.Words);
        Assert.Equal(Bert.VocabSha256, result.Tokenization.VocabSha256);
        Assert.Equal(result.TokensBefore, result.TokensAfter);
    }

    [Fact]
    public void Build_on_meditations_gives_each_word_one_token_in_an_unused_slot()
    {
        var result = DomainVocabulary.Build(Bert, Meditations(), maxWords: 10, minCount: 5);
        var adapted = result.Tokenization;

        Assert.Equal(10, result.Words.Count);
        Assert.Equal("thyself", result.Words[0].Word); // thy ##sel ##f, 120 times: by far the most tokens saved
        Assert.Equal(Bert.VocabSize, adapted.VocabSize);
        Assert.Equal(Bert.Special, adapted.Special);
        Assert.Equal(DomainVocabulary.Placeholders(Bert).Take(10), result.Words.Select(w => w.Id));
        foreach (var word in result.Words)
        {
            Assert.StartsWith("[unused", Bert.IdToToken(word.Id));
            Assert.True(word.Count >= 5 && word.PiecesBefore >= DomainVocabulary.MinPieces, word.ToString());
            Assert.Equal(word.PiecesBefore, Bert.Encode(word.Word).Length);
            Assert.Equal([word.Id], adapted.Encode(word.Word));
            Assert.Equal([word.Id], adapted.Encode(char.ToUpperInvariant(word.Word[0]) + word.Word[1..])); // lower-cased first, as HF's uncased tokenizer
        }
        Assert.True(result.SavedShare > 0.005, $"saved {result.SavedShare:P2}");
        Assert.True(result.Words.Zip(result.Words.Skip(1)).All(p => (long)p.First.Count * (p.First.PiecesBefore - 1) >= (long)p.Second.Count * (p.Second.PiecesBefore - 1)));
    }

    [Fact]
    public void Build_ranks_by_tokens_saved_and_respects_min_count()
    {
        // "maecenas" breaks into mae ##cen ##as: 4 uses save 8 tokens; "verus" (ve ##rus) has too few pieces and
        // "heraclitus" (4 pieces) too few uses.
        string[] text = ["Maecenas Maecenas Maecenas Maecenas Verus Verus Verus", "Heraclitus Heraclitus"];
        var result = DomainVocabulary.Build(Bert, text, maxWords: 10, minCount: 3);

        var word = Assert.Single(result.Words);
        Assert.Equal("maecenas", word.Word);
        Assert.Equal(4, word.Count);
        Assert.Equal(result.TokensBefore - 4 * (word.PiecesBefore - 1), result.TokensAfter);
    }

    [Fact]
    public void Build_words_written_to_vocab_file_tokenize_the_same_from_the_file()
    {
        var result = DomainVocabulary.Build(Bert, Meditations(), maxWords: 10, minCount: 5);
        var path = Path.Combine(Path.GetTempPath(), $"domain-vocab-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllBytes(path, result.Tokenization.VocabBytes.ToArray());
            var fromFile = BertTokenization.FromVocabFile(path);
            Assert.Equal(result.Tokenization.VocabSha256, fromFile.VocabSha256);
            Assert.Equal(File.ReadAllLines(TestData.Vocab).Length, File.ReadAllLines(path).Length);
            var sentence = string.Join(" ", result.Words.Select(w => w.Word));
            Assert.Equal(result.Words.Select(w => w.Id), fromFile.Encode(sentence));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
