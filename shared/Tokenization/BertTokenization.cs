using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace BertServerless.Shared.Tokenization;

/// <summary>
/// BERT WordPiece tokenization giving the same ids as Hugging Face <c>BertTokenizer</c>: the basic tokenization
/// (<see cref="BasicTokenizer"/>, redone here to match Python) feeds the WordPiece matcher of Microsoft.ML.Tokenizers.
/// Also the vocabulary facts the rest of the pipeline needs: special ids, size, hash, and the file itself for checkpoints.
/// </summary>
/// <remarks>
/// One deliberate difference from Hugging Face: text that spells a control token, such as <c>[MASK]</c>, is tokenized as
/// the plain characters it is (<c>[ mask ]</c>), never as the control token, so no book can inject one.
/// </remarks>
public sealed class BertTokenization
{
    private const string EmbeddedVocab = "bert-base-uncased-vocab.txt";
    private const string ContinuationPrefix = "##";
    private static readonly Lazy<BertTokenization> DefaultInstance = new(LoadEmbedded);

    private readonly WordPieceTokenizer _wordPiece;
    private readonly string[] _tokens;
    private readonly byte[] _vocabBytes;

    private BertTokenization(byte[] vocabBytes, bool lowerCase, string source)
    {
        _vocabBytes = vocabBytes;
        _tokens = ReadTokens(vocabBytes);
        LowerCase = lowerCase;
        VocabSha256 = Convert.ToHexStringLower(SHA256.HashData(vocabBytes));

        var ids = new Dictionary<string, int>(_tokens.Length);
        for (var id = 0; id < _tokens.Length; id++) ids.TryAdd(_tokens[id], id);
        string[] required = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        var missing = required.Where(t => !ids.ContainsKey(t)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"Vocabulary '{source}' lacks {string.Join(", ", missing)}: not a BERT WordPiece vocabulary.");
        Special = new SpecialTokenIds(ids["[PAD]"], ids["[UNK]"], ids["[CLS]"], ids["[SEP]"], ids["[MASK]"]);

        using var stream = new MemoryStream(vocabBytes, writable: false);
        _wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions { UnknownToken = "[UNK]", ContinuingSubwordPrefix = ContinuationPrefix });
        OrdinaryIds = Enumerable.Range(0, _tokens.Length).Where(id => !IsSpecial(id) && !IsPlaceholder(_tokens[id])).ToArray();
    }

    /// <summary>bert-base-uncased, from the vocabulary embedded in this library.</summary>
    public static BertTokenization Default => DefaultInstance.Value;

    /// <summary>A WordPiece vocabulary file (one token per line, id = line number), as shipped in Hugging Face checkpoints.</summary>
    public static BertTokenization FromVocabFile(string path, bool lowerCase = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Vocabulary file '{path}' not found.", path);
        return new BertTokenization(File.ReadAllBytes(path), lowerCase, path);
    }

    /// <summary>A vocabulary held in memory, such as one <see cref="DomainVocabulary"/> wrote; <paramref name="source"/> names it in errors.</summary>
    public static BertTokenization FromVocabBytes(byte[] vocabBytes, bool lowerCase, string source) => new(vocabBytes, lowerCase, source);

    public SpecialTokenIds Special { get; }
    public int VocabSize => _tokens.Length;

    /// <summary>Lower-case hex SHA-256 of the vocabulary file's bytes: shards and checkpoints record it to prove they agree.</summary>
    public string VocabSha256 { get; }

    /// <summary>Whether text is lower-cased and stripped of accents (uncased models), as HF <c>do_lower_case</c>.</summary>
    public bool LowerCase { get; }

    /// <summary>The vocabulary file's bytes, to write beside a checkpoint as <c>vocab.txt</c>.</summary>
    public ReadOnlyMemory<byte> VocabBytes => _vocabBytes;

    /// <summary>Every id except the special tokens and the bracketed placeholders (<c>[unused0]</c>...): what a random replacement may be.</summary>
    public IReadOnlyList<int> OrdinaryIds { get; }

    /// <summary>Token ids of <paramref name="text"/>, without special tokens.</summary>
    public int[] Encode(string text)
    {
        var words = BasicTokenizer.Run(text, LowerCase);
        // The words are separated by single spaces, which the library's default whitespace pre-tokenizer splits on.
        var ids = _wordPiece.EncodeToIds(words, considerPreTokenization: true, considerNormalization: false);
        return ids.ToArray();
    }

    /// <summary>
    /// <c>[CLS] A [SEP] B [SEP]</c> cut to <paramref name="maxLen"/> as HF <c>truncation="longest_first"</c> does: one token
    /// at a time from the end of the longer side (B when they are equal).
    /// </summary>
    public EncodedPair EncodePair(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int maxLen, int nextSentenceLabel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLen, 3);
        if (nextSentenceLabel is not (0 or 1))
            throw new ArgumentOutOfRangeException(nameof(nextSentenceLabel), nextSentenceLabel, "0 = B is next, 1 = B is random.");

        var (lengthA, lengthB) = (a.Length, b.Length);
        while (lengthA + lengthB > maxLen - 3)
        {
            if (lengthA > lengthB) lengthA--;
            else lengthB--;
        }

        var ids = new int[lengthA + lengthB + 3];
        ids[0] = Special.Cls;
        a[..lengthA].CopyTo(ids.AsSpan(1));
        ids[lengthA + 1] = Special.Sep;
        b[..lengthB].CopyTo(ids.AsSpan(lengthA + 2));
        ids[^1] = Special.Sep;

        var tokenTypes = new byte[ids.Length];
        tokenTypes.AsSpan(lengthA + 2).Fill(1);
        return new EncodedPair(ids, tokenTypes, nextSentenceLabel, lengthA + lengthB < a.Length + b.Length);
    }

    public string IdToToken(int id) =>
        (uint)id < (uint)_tokens.Length ? _tokens[id] : throw new ArgumentOutOfRangeException(nameof(id), id, $"Not in a vocabulary of {_tokens.Length}.");

    /// <summary>Whether the token continues a word (<c>##</c> prefix) rather than starting one.</summary>
    public bool IsContinuation(int id) => IdToToken(id).StartsWith(ContinuationPrefix, StringComparison.Ordinal);

    /// <summary>Whether the id is one of <see cref="Special"/>: [PAD], [UNK], [CLS], [SEP], [MASK].</summary>
    public bool IsSpecial(int id) =>
        id == Special.Pad || id == Special.Unk || id == Special.Cls || id == Special.Sep || id == Special.Mask;

    /// <summary>Readable text for debugging and tests: tokens joined by spaces, <c>##</c> pieces glued to the word before.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            var token = IdToToken(id);
            if (token.StartsWith(ContinuationPrefix, StringComparison.Ordinal) && text.Length > 0)
                text.Append(token, ContinuationPrefix.Length, token.Length - ContinuationPrefix.Length);
            else
                text.Append(text.Length > 0 ? " " : "").Append(token);
        }
        return text.ToString();
    }

    // Placeholder rows such as [unused0] are reserved for users to repurpose; plain text never produces them.
    private static bool IsPlaceholder(string token) => token.Length > 2 && token[0] == '[' && token[^1] == ']';

    // Line n is token n, read as the library reads it so both agree on every id.
    private static string[] ReadTokens(byte[] vocabBytes)
    {
        var tokens = new List<string>();
        using var reader = new StreamReader(new MemoryStream(vocabBytes, writable: false), Encoding.UTF8);
        while (reader.ReadLine() is { } line) tokens.Add(line);
        return [.. tokens];
    }

    private static BertTokenization LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedVocab)
            ?? throw new InvalidOperationException($"Embedded resource '{EmbeddedVocab}' missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return new BertTokenization(bytes.ToArray(), lowerCase: true, EmbeddedVocab);
    }
}
