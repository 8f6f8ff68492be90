namespace BertServerless.Shared.Masking;

/// <summary>How sequences are masked for MLM; made from the prep knobs by <see cref="Prep.PrepOptions.ToMaskingOptions"/>.</summary>
public sealed class MaskingOptions
{
    /// <summary>Share of the non-special tokens chosen for prediction (BERT: 0.15).</summary>
    public double Probability { get; set; } = 0.15;

    public MaskingMode Mode { get; set; } = MaskingMode.Standard;

    /// <summary>Choose whole words: a word's <c>##</c> pieces are chosen together with its first piece.</summary>
    public bool WholeWord { get; set; }
}
