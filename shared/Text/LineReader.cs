using System.Globalization;
using System.Text;

namespace BertServerless.Shared.Text;

/// <summary>
/// Reads lines from a byte stream in fixed blocks, so memory never holds more than one block and one line.
/// Unlike <see cref="StreamReader.ReadLine()"/> it refuses an over-long line before buffering it, names the byte
/// and line of invalid input, and rejects binary files by their first block.
/// </summary>
internal sealed class LineReader
{
    private const int BlockBytes = 64 * 1024;

    // Share of control bytes above which the first block is taken for binary data; real text has next to none.
    private const double MaxControlShare = 0.1;

    private readonly Stream stream;
    private readonly Encoding encoding;
    private readonly Decoder decoder;
    private readonly string sourceName;
    private readonly int maxLineChars;
    private readonly byte[] bytes = new byte[BlockBytes];
    private readonly char[] chars;
    private readonly StringBuilder partial = new();
    private int charPos;
    private int charCount;
    private bool skipLineFeed;
    private bool endOfStream;

    public LineReader(Stream stream, Encoding encoding, int maxLineChars, string sourceName)
    {
        this.stream = stream;
        this.encoding = encoding;
        this.maxLineChars = maxLineChars;
        this.sourceName = sourceName;
        decoder = encoding.GetDecoder();
        chars = new char[encoding.GetMaxCharCount(BlockBytes)];
    }

    /// <summary>Bytes read from the stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line without its terminator (CRLF, LF or CR), or null at the end.</summary>
    public string? ReadLine()
    {
        partial.Clear();
        while (true)
        {
            if (charPos == charCount && !FillBlock())
            {
                if (partial.Length == 0) return null;
                LineNumber++;
                return partial.ToString();
            }

            if (skipLineFeed)
            {
                skipLineFeed = false;
                if (chars[charPos] == '\n' && ++charPos == charCount) continue;
            }

            var rest = chars.AsSpan(charPos, charCount - charPos);
            var end = rest.IndexOfAny('\r', '\n');
            if (end < 0)
            {
                CheckLength(partial.Length + rest.Length);
                partial.Append(rest);
                charPos = charCount;
                continue;
            }

            CheckLength(partial.Length + end);
            var line = partial.Length == 0 ? new string(rest[..end]) : partial.Append(rest[..end]).ToString();
            charPos += end + 1;
            skipLineFeed = rest[end] == '\r';
            LineNumber++;
            return line;
        }
    }

    private void CheckLength(int length)
    {
        if (length > maxLineChars)
            throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
                "{0}: line {1:N0} is over {2:N0} characters: this is not a book layout we read; expected one paragraph per line or wrapped lines.",
                sourceName, LineNumber + 1, maxLineChars));
    }

    private bool FillBlock()
    {
        if (endOfStream) return false;
        var read = stream.ReadAtLeast(bytes, BlockBytes, throwOnEndOfStream: false);
        if (BytesRead == 0) RejectBinary(bytes.AsSpan(0, read));
        endOfStream = read == 0;
        try
        {
            charCount = decoder.GetChars(bytes, 0, read, chars, 0, flush: endOfStream);
        }
        catch (DecoderFallbackException e)
        {
            throw InvalidEncoding(e, read);
        }

        charPos = BytesRead == 0 && charCount > 0 && chars[0] == '\uFEFF' ? 1 : 0;
        BytesRead += read;
        return charPos < charCount || !endOfStream && FillBlock();
    }

    private void RejectBinary(ReadOnlySpan<byte> firstBlock)
    {
        var controls = 0;
        foreach (var b in firstBlock)
        {
            if (b == 0)
                throw new InvalidDataException($"{sourceName} looks like a binary file, not text: it has NUL bytes in its first block (UTF-16 text has them too: convert such a file to UTF-8).");
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C) || b == 0x7F) controls++;
        }

        if (controls > firstBlock.Length * MaxControlShare)
            throw new InvalidDataException($"{sourceName} looks like a binary file, not text: {controls} of its first {firstBlock.Length} bytes are control characters.");
    }

    private InvalidDataException InvalidEncoding(DecoderFallbackException e, int read)
    {
        // The error lies in the block just read, none of which has been returned as lines yet, so counting the
        // line breaks before the bad byte gives its exact line.
        var index = Math.Clamp(e.Index, 0, read);
        var line = LineNumber + 1 + CountLineBreaks(bytes.AsSpan(0, index));
        var badByte = e.BytesUnknown is { Length: > 0 } unknown ? $" 0x{unknown[0]:X2}" : "";
        return new InvalidDataException(string.Format(CultureInfo.InvariantCulture,
            "{0} is not valid {1}: byte{2} at offset {3:N0} (line {4:N0}). If the file is Latin-1 or Windows-1252, set BookReaderOptions.Encoding to that encoding (Encoding.Latin1); otherwise convert the file to UTF-8.",
            sourceName, encoding.WebName.ToUpperInvariant(), badByte, BytesRead + index, line), e);
    }

    private static int CountLineBreaks(ReadOnlySpan<byte> block)
    {
        var breaks = 0;
        for (var i = 0; i < block.Length; i++)
            if (block[i] == '\n' || block[i] == '\r' && (i + 1 == block.Length || block[i + 1] != '\n')) breaks++;
        return breaks;
    }
}
