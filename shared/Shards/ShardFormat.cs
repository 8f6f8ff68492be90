namespace BertServerless.Shared.Shards;

/// <summary>
/// The shard format, a public contract: one safetensors file per shard whose tensors are named as the arguments of
/// Hugging Face <c>BertForPreTraining.forward</c>, so a Python user can feed a shard straight into transformers.
/// <list type="bullet">
/// <item><c>input_ids</c> int32 [N, L], after masking, padded with the vocabulary's [PAD] id</item>
/// <item><c>token_type_ids</c> uint8 [N, L]: 0 through the first [SEP], 1 after</item>
/// <item><c>attention_mask</c> uint8 [N, L]: 1 on real tokens, 0 on padding</item>
/// <item><c>labels</c> int32 [N, L]: original id where a prediction is due, -100 elsewhere</item>
/// <item><c>next_sentence_label</c> int32 [N]: 0 = is next, 1 = random</item>
/// </list>
/// L is the longest sequence in the shard, never more than max_len. <c>__metadata__</c> carries the keys below.
/// </summary>
public static class ShardFormat
{
    public const string Version = "1";
    public const int IgnoreLabel = -100;
    public const string FileExtension = ".safetensors";

    public const string InputIds = "input_ids";
    public const string TokenTypeIds = "token_type_ids";
    public const string AttentionMask = "attention_mask";
    public const string Labels = "labels";
    public const string NextSentenceLabel = "next_sentence_label";

    /// <summary>Keys of the safetensors <c>__metadata__</c> map (values are strings, as the format requires).</summary>
    public static class Meta
    {
        public const string FormatVersion = "format_version";
        public const string VocabSha256 = "vocab_sha256";
        public const string VocabSize = "vocab_size";
        public const string MaxLen = "max_len";
        public const string Masking = "masking";
        public const string MaskProbability = "mask_probability";
        public const string Pairing = "pairing";
        public const string Seed = "seed";
        public const string DupeFactor = "dupe_factor";
        public const string DoLowerCase = "do_lower_case";
        public const string Source = "source";
        public const string Sequences = "sequences";
        public const string Tokens = "tokens";
        public const string PredictedTokens = "predicted_tokens";
        public const string IsNext = "is_next";
        /// <summary>"2" in the shards of the second phase of a two-phase run (whose max_len is the prep's phase2_max_len); absent in the first.</summary>
        public const string Phase = "phase";
    }

    public const string ManifestFileName = "manifest.json";

    /// <summary>
    /// Shard file name: <c>shard-00003-001.safetensors</c> is the second shard of the book's fourth chunk. Chunks are
    /// prepared in parallel, so a shard is named by its chunk rather than by a running number nobody knows yet.
    /// </summary>
    public static string FileName(int chunk, int part) => $"shard-{chunk:D5}-{part:D3}{FileExtension}";

    /// <summary>Second-phase shards are named <c>phase2-shard-…</c>, so a reader of <c>shard-*</c> never mixes the two lengths.</summary>
    public const string Phase2Prefix = "phase2-";

    public static string FileName(int chunk, int part, TrainingPhase phase)
        => phase == TrainingPhase.Second ? Phase2Prefix + FileName(chunk, part) : FileName(chunk, part);
}
