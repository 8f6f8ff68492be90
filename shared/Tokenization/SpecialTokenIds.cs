namespace BertServerless.Shared.Tokenization;

/// <summary>Ids of the five BERT control tokens, as the vocabulary numbers them (never assumed: a custom vocabulary may differ).</summary>
public sealed record SpecialTokenIds(int Pad, int Unk, int Cls, int Sep, int Mask);
