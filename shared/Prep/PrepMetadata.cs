using System.Globalization;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;

namespace BertServerless.Shared.Prep;

/// <summary>The settings stamped into every shard's <c>__metadata__</c> and the manifest, so a shard says how it was made.</summary>
public static class PrepMetadata
{
    public static IReadOnlyDictionary<string, string> For(PrepOptions options, BertTokenization tokenizer, string source) => new Dictionary<string, string>
    {
        [ShardFormat.Meta.FormatVersion] = ShardFormat.Version,
        [ShardFormat.Meta.VocabSha256] = tokenizer.VocabSha256,
        [ShardFormat.Meta.VocabSize] = tokenizer.VocabSize.ToString(CultureInfo.InvariantCulture),
        [ShardFormat.Meta.MaxLen] = options.MaxLen.ToString(CultureInfo.InvariantCulture),
        [ShardFormat.Meta.Masking] = options.WholeWordMasking ? $"{options.Masking.ToString().ToLowerInvariant()}+whole-word" : options.Masking.ToString().ToLowerInvariant(),
        [ShardFormat.Meta.MaskProbability] = options.MaskProbability.ToString(CultureInfo.InvariantCulture),
        [ShardFormat.Meta.Pairing] = options.Pairing.ToString().ToLowerInvariant(),
        [ShardFormat.Meta.Seed] = options.Seed.ToString(CultureInfo.InvariantCulture),
        [ShardFormat.Meta.Source] = source,
        [ShardFormat.Meta.DupeFactor] = options.DupeFactor.ToString(CultureInfo.InvariantCulture),
        [ShardFormat.Meta.DoLowerCase] = tokenizer.LowerCase ? "true" : "false",
    };

    /// <summary>The metadata of the phase-2 shards: the same settings at phase2_max_len, marked phase 2; null when prep writes none.</summary>
    public static IReadOnlyDictionary<string, string>? ForPhase2(PrepOptions options, IReadOnlyDictionary<string, string> metadata)
    {
        if (options.Phase2MaxLen is not { } maxLen) return null;
        return new Dictionary<string, string>(metadata)
        {
            [ShardFormat.Meta.MaxLen] = maxLen.ToString(CultureInfo.InvariantCulture),
            [ShardFormat.Meta.Phase] = ((int)TrainingPhase.Second).ToString(CultureInfo.InvariantCulture),
        };
    }
}
