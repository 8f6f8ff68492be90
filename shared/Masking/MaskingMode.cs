namespace BertServerless.Shared.Masking;

/// <summary>What happens to the positions chosen for prediction.</summary>
public enum MaskingMode
{
    /// <summary>BERT (Devlin et al.): a fixed share of each sequence is chosen; 80% become [MASK], 10% a random token, 10% stay.</summary>
    Standard,

    /// <summary>The meditations tutorial: each token is chosen with the given probability, and every chosen one becomes [MASK].</summary>
    Tutorial,
}
