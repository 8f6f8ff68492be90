using System.Text.Json;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Tokenization;

/// <summary>
/// Compares our tokenizer with Hugging Face's Rust tokenizer (bert-base-uncased normalizer, pre-tokenizer, WordPiece) on
/// crafted edge cases and ~300 lines of both reference books. hf-golden.json was written by
/// bench/hf-tokenizers/make-golden.mjs; rerun it to extend the cases. hf-domain-golden.json holds HF's ids with the
/// vocabulary <see cref="DomainVocabulary"/> makes from Meditations (10 words, min count 5), by make-domain-golden.mjs.
/// </summary>
public class HfGoldenTests
{
    private sealed record GoldenCase(string Source, string Text, int[] Ids);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        var cases = Load("hf-golden.json");
        foreach (var source in cases.Select(c => c.Source).Distinct()) data.Add(source, cases.Count(c => c.Source == source));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_reference_lines_equals_hugging_face(string source, int count)
    {
        var tokenizer = BertTokenization.Default;
        var cases = Load("hf-golden.json").Where(c => c.Source == source).ToList();
        Assert.Equal(count, cases.Count);
        foreach (var c in cases)
        {
            var ids = tokenizer.Encode(c.Text);
            Assert.True(c.Ids.SequenceEqual(ids),
                $"{source}: \"{c.Text}\"\n  HF : {tokenizer.Decode(c.Ids)}\n  ours: {tokenizer.Decode(ids)}");
        }
    }

    [Fact]
    public void Encode_with_domain_vocabulary_equals_hugging_face()
    {
        using var book = File.OpenRead(TestData.Meditations);
        var paragraphs = BookReader.ReadParagraphs(book, new BookReaderOptions(), "meditations.txt").ToList();
        var adapted = DomainVocabulary.Build(BertTokenization.Default, paragraphs, maxWords: 10, minCount: 5);
        var cases = Load("hf-domain-golden.json");

        Assert.Equal(adapted.Words.Select(w => w.Word), cases.Select(c => c.Source).Distinct());
        foreach (var c in cases)
        {
            var ids = adapted.Tokenization.Encode(c.Text);
            Assert.True(c.Ids.SequenceEqual(ids), $"\"{c.Text}\"\n  HF : {string.Join(' ', c.Ids)}\n  ours: {string.Join(' ', ids)}");
        }
        Assert.All(adapted.Words, w => Assert.Contains(cases, c => c.Text == w.Word && c.Ids.SequenceEqual([w.Id])));
    }

    private static List<GoldenCase> Load(string file)
    {
        var path = Path.Combine(TestData.RepoRoot, "tests", "Shared.Tests", "Tokenization", file);
        return JsonSerializer.Deserialize<List<GoldenCase>>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }
}
