namespace BertServerless.Shared.Prep;

/// <summary>A run of whole paragraphs of a book: the unit of parallel prep work. <paramref name="Index"/> orders chunks and names their shards.</summary>
public sealed record BookChunk(int Index, IReadOnlyList<string> Paragraphs)
{
    public long Chars => Paragraphs.Sum(p => (long)p.Length);
}
