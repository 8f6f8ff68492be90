using System.Text.RegularExpressions;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Masking;

/// <summary>Real NSP-shaped input for masking tests: consecutive sentences of Meditations, encoded as pairs.</summary>
internal static class MeditationsPairs
{
    public const int MaxLen = 128;

    public static IReadOnlyList<EncodedPair> Load(BertTokenization bert)
    {
        var sentences = Regex.Split(File.ReadAllText(TestData.Meditations), @"(?<=[.!?;])\s+")
            .Where(s => s.Length > 0)
            .Select(bert.Encode)
            .Where(ids => ids.Length > 0)
            .ToArray();
        return [.. Enumerable.Range(0, sentences.Length / 2)
            .Select(i => bert.EncodePair(sentences[2 * i], sentences[2 * i + 1], MaxLen, nextSentenceLabel: 0))];
    }
}
