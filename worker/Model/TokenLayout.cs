using static TorchSharp.torch;

namespace BertServerless.Worker.Model;

/// <summary>
/// Where a batch's tokens sit while they pass through the encoder. Padded: (B, T, H), pad positions computed and
/// hidden from attention by the additive mask, as Hugging Face does. Packed (MosaicBERT's unpadding): (N, H), the N
/// real tokens only, so every token-wise op (projections, feed-forward, LayerNorm, GELU) skips the padding; they are
/// scattered back into (B, T) rows only for the attention product itself.
/// </summary>
internal sealed class TokenLayout
{
    private readonly Tensor? _realPositions; // (N) flat indices into (B*T) where the attention mask is 1; null when padded

    private TokenLayout(Tensor attentionMask, ScalarType dtype, bool packed)
    {
        Batch = attentionMask.shape[0];
        Length = attentionMask.shape[1];
        // HF's extended mask: 0 where a key may be attended, the dtype's lowest value where it is padding.
        AdditiveMask = (1 - attentionMask.to(dtype)).mul(finfo(dtype).min).view(Batch, 1, 1, Length); // (B, 1, 1, T)
        if (packed) _realPositions = attentionMask.reshape(-1).nonzero().squeeze(1); // (N)
    }

    public static TokenLayout Padded(Tensor attentionMask, ScalarType dtype) => new(attentionMask, dtype, packed: false);

    public static TokenLayout Packed(Tensor attentionMask, ScalarType dtype) => new(attentionMask, dtype, packed: true);

    public long Batch { get; }
    public long Length { get; }
    public Tensor AdditiveMask { get; }

    /// <summary>Per-token (B, T) integers in this layout: unchanged when padded, the real tokens' values (N) when packed.</summary>
    public Tensor Select(Tensor perToken) => _realPositions is null ? perToken : perToken.reshape(-1).index_select(0, _realPositions);

    /// <summary>Position ids for the embedding: (T), broadcast over the batch, or each real token's column (N).</summary>
    public Tensor PositionIds(Device device)
        => _realPositions is null ? arange(Length, dtype: ScalarType.Int64, device: device) : _realPositions.remainder(Length);

    /// <summary>(B, T, H) or (N, H) projections to (B, nh, T, hs) for attention; packed rows go back to their slots, zeros at padding.</summary>
    public Tensor ToHeads(Tensor x, int heads)
    {
        var hidden = x.shape[^1];
        if (_realPositions is not null)
            x = zeros([Batch * Length, hidden], x.dtype, x.device).index_copy(0, _realPositions, x); // (B*T, H)
        return x.view(Batch, Length, heads, hidden / heads).transpose(1, 2); // (B, nh, T, hs)
    }

    /// <summary>Attention's (B, nh, T, hs) back to this layout: (B, T, H), or (N, H) keeping only real tokens.</summary>
    public Tensor FromHeads(Tensor y)
    {
        var merged = y.transpose(1, 2).reshape(Batch, Length, -1); // (B, T, H)
        return _realPositions is null ? merged : merged.reshape(Batch * Length, -1).index_select(0, _realPositions); // (N, H)
    }

    /// <summary>Rows of the encoder output for flat (B*T) positions, e.g. the masked ones: a lookup when padded, remapped to packed rows when packed.</summary>
    public Tensor Rows(Tensor sequence, Tensor flatPositions, Tensor attentionMask)
    {
        if (_realPositions is null) return sequence.reshape(-1, sequence.shape[^1]).index_select(0, flatPositions);
        var packedRow = attentionMask.reshape(-1).cumsum(0) - 1; // (B*T) each real position's row in (N)
        return sequence.index_select(0, packedRow.index_select(0, flatPositions));
    }

    /// <summary>Each sequence's first token, [CLS], as (B, H).</summary>
    public Tensor FirstTokens(Tensor sequence, Tensor attentionMask)
    {
        if (_realPositions is null) return sequence[.., 0];
        var starts = arange(Batch, dtype: ScalarType.Int64, device: sequence.device) * Length; // (B) flat index of column 0
        return Rows(sequence, starts, attentionMask); // column 0 is [CLS], always a real token
    }
}
