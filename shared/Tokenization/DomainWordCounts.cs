namespace BertServerless.Shared.Tokenization;

/// <summary>
/// How often each word (after BERT's basic tokenization) occurs in a book, added to paragraph by paragraph so a book
/// streamed in chunks is counted without being held whole: the input of <see cref="DomainVocabulary"/>.
/// </summary>
public sealed class DomainWordCounts(bool lowerCase)
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public void Add(string text)
    {
        var lookup = _counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var words = BasicTokenizer.Run(text, lowerCase).AsSpan();
        foreach (var range in words.Split(' '))
        {
            var word = words[range];
            if (word.IsEmpty) continue;
            lookup[word] = lookup.TryGetValue(word, out var n) ? n + 1 : 1;
        }
    }
}
