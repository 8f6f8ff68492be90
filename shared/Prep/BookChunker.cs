namespace BertServerless.Shared.Prep;

/// <summary>
/// Cuts a stream of paragraphs into chunks of about <c>chunkChars</c> characters, at paragraph boundaries.
/// A small tail is merged into the chunk before it, because a random NSP sentence B must come from another
/// paragraph of the same chunk and a one-paragraph chunk would have none.
/// </summary>
public static class BookChunker
{
    public static IEnumerable<BookChunk> Chunk(IEnumerable<string> paragraphs, int chunkChars)
    {
        List<string>? pending = null;
        var current = new List<string>();
        long chars = 0;
        var index = 0;
        foreach (var paragraph in paragraphs)
        {
            current.Add(paragraph);
            chars += paragraph.Length;
            if (chars < chunkChars) continue;
            if (pending is not null) yield return new BookChunk(index++, pending);
            pending = current;
            current = [];
            chars = 0;
        }

        var tailIsSmall = current.Count < 2 || chars < chunkChars / 4;
        if (pending is not null && tailIsSmall)
        {
            pending.AddRange(current);
            current = [];
        }
        if (pending is not null) yield return new BookChunk(index++, pending);
        if (current.Count > 0) yield return new BookChunk(index, current);
    }
}
