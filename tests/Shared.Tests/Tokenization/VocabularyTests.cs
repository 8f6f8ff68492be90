using System.Security.Cryptography;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Tokenization;

public class VocabularyTests
{
    private static readonly BertTokenization Bert = BertTokenization.Default;

    [Fact]
    public void Default_embedded_vocabulary_reads_special_ids_from_file()
    {
        Assert.Equal(30522, Bert.VocabSize);
        Assert.Equal(new SpecialTokenIds(Pad: 0, Unk: 100, Cls: 101, Sep: 102, Mask: 103), Bert.Special);
        Assert.True(Bert.LowerCase);
    }

    [Fact]
    public void VocabSha256_of_embedded_vocabulary_is_hash_of_file_bytes()
    {
        Assert.Equal("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3", Bert.VocabSha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TestData.Vocab))), Bert.VocabSha256);
    }

    [Fact]
    public void VocabBytes_equal_vocabulary_file() =>
        Assert.Equal(File.ReadAllBytes(TestData.Vocab), Bert.VocabBytes.ToArray());

    [Fact]
    public void FromVocabFile_same_file_as_embedded_gives_same_ids()
    {
        var fromFile = BertTokenization.FromVocabFile(TestData.Vocab);
        Assert.Equal(Bert.VocabSha256, fromFile.VocabSha256);
        Assert.Equal(Bert.Encode("It was the best of times."), fromFile.Encode("It was the best of times."));
    }

    [Fact]
    public void FromVocabFile_missing_file_throws_naming_path()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BertTokenization.FromVocabFile("/nowhere/vocab.txt"));
        Assert.Contains("/nowhere/vocab.txt", error.Message);
    }

    [Fact]
    public void FromVocabFile_without_mask_token_throws_naming_it()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"]);
            var error = Assert.Throws<InvalidDataException>(() => BertTokenization.FromVocabFile(path));
            Assert.Contains("[MASK]", error.Message);
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void IdToToken_known_ids_give_vocabulary_lines()
    {
        Assert.Equal("[PAD]", Bert.IdToToken(0));
        Assert.Equal("[unused0]", Bert.IdToToken(1));
        Assert.Equal("hello", Bert.IdToToken(7592));
        Assert.Equal("##bel", Bert.IdToToken(8671));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bert.IdToToken(30522));
    }

    [Fact]
    public void IsContinuation_only_for_hash_hash_pieces()
    {
        Assert.True(Bert.IsContinuation(8671)); // ##bel
        Assert.False(Bert.IsContinuation(4895)); // un
        Assert.False(Bert.IsContinuation(1001)); // #
    }

    [Fact]
    public void IsSpecial_only_for_the_five_control_tokens()
    {
        Assert.All([0, 100, 101, 102, 103], id => Assert.True(Bert.IsSpecial(id)));
        Assert.False(Bert.IsSpecial(1)); // [unused0]
        Assert.False(Bert.IsSpecial(7592));
    }

    [Fact]
    public void OrdinaryIds_exclude_special_and_unused_tokens()
    {
        Assert.Equal(30522 - 5 - 994, Bert.OrdinaryIds.Count);
        Assert.DoesNotContain(Bert.OrdinaryIds, id => Bert.IdToToken(id).StartsWith("[unused") || Bert.IsSpecial(id));
        Assert.Contains(1031, Bert.OrdinaryIds); // "[" alone is ordinary text
    }

    [Fact]
    public void Decode_glues_wordpieces_to_their_word() =>
        Assert.Equal("[CLS] unbelievably , dogs [SEP]", Bert.Decode([101, .. Bert.Encode("Unbelievably, dogs"), 102]));
}
