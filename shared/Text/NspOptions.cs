namespace BertServerless.Shared.Text;

/// <summary>Settings for <see cref="NspPairs.Create"/>.</summary>
public sealed class NspOptions
{
    /// <summary>How sentences become pairs.</summary>
    public PairingMode Mode { get; set; } = PairingMode.Sentence;

    /// <summary>Longest sequence in tokens, [CLS] and both [SEP] included; <see cref="PairingMode.Segment"/> packs to it.</summary>
    public int MaxTokens { get; set; } = 128;

    /// <summary>
    /// Segment mode: chance that a paragraph packs to a shorter random length, so the model also sees the short
    /// sequences of fine-tuning (Google BERT's short_seq_prob).
    /// </summary>
    public double ShortSeqProb { get; set; } = 0.1;
}
