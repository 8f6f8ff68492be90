using System.Text.Json.Serialization;

namespace BertServerless.Shared.Prep;

/// <summary>Counts of one prep run (or one chunk of it); chunks add up with <see cref="Add"/>.</summary>
public sealed class PrepStats
{
    [JsonPropertyName("chars")] public long Chars { get; set; }
    [JsonPropertyName("paragraphs")] public long Paragraphs { get; set; }
    [JsonPropertyName("sentences")] public long Sentences { get; set; }
    [JsonPropertyName("pairs")] public long Pairs { get; set; }
    [JsonPropertyName("is_next_pairs")] public long IsNextPairs { get; set; }
    [JsonPropertyName("truncated_pairs")] public long TruncatedPairs { get; set; }
    [JsonPropertyName("sequences")] public long Sequences { get; set; }
    [JsonPropertyName("tokens")] public long Tokens { get; set; }
    [JsonPropertyName("maskable_tokens")] public long MaskableTokens { get; set; }
    [JsonPropertyName("predicted_tokens")] public long PredictedTokens { get; set; }
    [JsonPropertyName("unk_tokens")] public long UnkTokens { get; set; }

    [JsonIgnore] public double IsNextShare => Pairs == 0 ? 0 : (double)IsNextPairs / Pairs;
    [JsonIgnore] public double MaskedShare => MaskableTokens == 0 ? 0 : (double)PredictedTokens / MaskableTokens;
    /// <summary>[UNK] share of the text tokens (every position but [CLS] and the two [SEP]).</summary>
    [JsonIgnore] public double UnkRate => Tokens == 0 ? 0 : (double)UnkTokens / (Tokens - 3 * Sequences);

    public void Add(PrepStats other)
    {
        Chars += other.Chars;
        Paragraphs += other.Paragraphs;
        Sentences += other.Sentences;
        Pairs += other.Pairs;
        IsNextPairs += other.IsNextPairs;
        TruncatedPairs += other.TruncatedPairs;
        Sequences += other.Sequences;
        Tokens += other.Tokens;
        MaskableTokens += other.MaskableTokens;
        PredictedTokens += other.PredictedTokens;
        UnkTokens += other.UnkTokens;
    }
}
