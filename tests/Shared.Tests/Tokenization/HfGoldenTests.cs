using System.Text.Json;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Tokenization;

/// <summary>
/// Compares our tokenizer with Hugging Face's Rust tokenizer (bert-base-uncased normalizer, pre-tokenizer, WordPiece) on
/// crafted edge cases and ~300 lines of both reference books. hf-golden.json was written by
/// bench/hf-tokenizers/make-golden.mjs; rerun it to extend the cases.
/// </summary>
public class HfGoldenTests
{
    private sealed record GoldenCase(string Source, string Text, int[] Ids);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        var cases = Load();
        foreach (var source in cases.Select(c => c.Source).Distinct()) data.Add(source, cases.Count(c => c.Source == source));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_reference_lines_equals_hugging_face(string source, int count)
    {
        var tokenizer = BertTokenization.Default;
        var cases = Load().Where(c => c.Source == source).ToList();
        Assert.Equal(count, cases.Count);
        foreach (var c in cases)
        {
            var ids = tokenizer.Encode(c.Text);
            Assert.True(c.Ids.SequenceEqual(ids),
                $"{source}: \"{c.Text}\"\n  HF : {tokenizer.Decode(c.Ids)}\n  ours: {tokenizer.Decode(ids)}");
        }
    }

    private static List<GoldenCase> Load()
    {
        var path = Path.Combine(TestData.RepoRoot, "tests", "Shared.Tests", "Tokenization", "hf-golden.json");
        return JsonSerializer.Deserialize<List<GoldenCase>>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }
}
