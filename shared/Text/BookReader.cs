using System.Globalization;
using System.Text;

namespace BertServerless.Shared.Text;

/// <summary>
/// Turns a book into paragraphs, streaming: memory holds one block of the file and one paragraph, never the book.
/// Skips Project Gutenberg boilerplate (<see cref="GutenbergMarkers"/>) and heading-like paragraphs
/// (<see cref="Headings"/>); a paragraph is its lines trimmed and joined with single spaces.
/// </summary>
public static class BookReader
{
    // Enough lines to see the layout and a Gutenberg header, small enough to hold at once.
    private const int FirstBlockChars = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Paragraphs of <paramref name="book"/> in order. Bad input (binary, empty, invalid encoding, over-long lines,
    /// nothing but headings) throws <see cref="InvalidDataException"/> naming <paramref name="sourceName"/>
    /// while enumerating.
    /// </summary>
    public static IEnumerable<string> ReadParagraphs(Stream book, BookReaderOptions options, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        if (!book.CanRead) throw new ArgumentException($"The stream for {sourceName} cannot be read.", nameof(book));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLineChars, 1, nameof(options.MaxLineChars));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParagraphChars, 1, nameof(options.MaxParagraphChars));
        return Read(book, options, sourceName);
    }

    private static IEnumerable<string> Read(Stream book, BookReaderOptions options, string sourceName)
    {
        var reader = new LineReader(book, options.Encoding ?? StrictUtf8, options.MaxLineChars, sourceName);
        var firstBlock = ReadFirstBlock(reader);
        var headerLines = firstBlock.FindIndex(GutenbergMarkers.IsStart) + 1;
        firstBlock.RemoveRange(0, headerLines);
        var layout = options.Layout == BookLayout.Auto ? BookLayoutDetector.Detect(firstBlock) : options.Layout;

        var paragraphs = 0;
        var headings = 0;
        var lineNumber = (long)headerLines;
        var wrapped = new List<string>();
        var wrappedChars = 0L;
        foreach (var line in FirstBlockThenRest(firstBlock, reader))
        {
            lineNumber++;
            if (GutenbergMarkers.IsEnd(line)) break;
            var text = line.AsSpan().Trim();
            if (layout == BookLayout.LinePerParagraph)
            {
                if (text.IsEmpty) continue;
                if (Headings.IsHeading(text)) headings++;
                else
                {
                    paragraphs++;
                    yield return text.Length == line.Length ? line : text.ToString();
                }
            }
            else if (!text.IsEmpty)
            {
                wrappedChars += text.Length + 1;
                if (wrappedChars > options.MaxParagraphChars) throw ParagraphTooLong(sourceName, lineNumber - wrapped.Count, options.MaxParagraphChars);
                wrapped.Add(text.ToString());
            }
            else if (wrapped.Count > 0)
            {
                if (Headings.IsHeading(wrapped)) headings++;
                else
                {
                    paragraphs++;
                    yield return string.Join(' ', wrapped);
                }

                wrapped.Clear();
                wrappedChars = 0;
            }
        }

        if (wrapped.Count > 0 && !Headings.IsHeading(wrapped))
        {
            paragraphs++;
            yield return string.Join(' ', wrapped);
        }

        if (paragraphs == 0) throw NoParagraphs(sourceName, reader.BytesRead, headings + (wrapped.Count > 0 ? 1 : 0));
    }

    private static List<string> ReadFirstBlock(LineReader reader)
    {
        var lines = new List<string>();
        var chars = 0L;
        while (chars < FirstBlockChars && reader.ReadLine() is { } line)
        {
            lines.Add(line);
            chars += line.Length + 1;
        }

        return lines;
    }

    private static IEnumerable<string> FirstBlockThenRest(List<string> firstBlock, LineReader reader)
    {
        foreach (var line in firstBlock) yield return line;
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static InvalidDataException ParagraphTooLong(string sourceName, long firstLine, int maxChars) =>
        new(string.Format(CultureInfo.InvariantCulture,
            "{0}: the paragraph starting at line {1:N0} runs over {2:N0} characters without a blank line; if the book has one paragraph per line, read it with BookLayout.LinePerParagraph.",
            sourceName, firstLine, maxChars));

    private static InvalidDataException NoParagraphs(string sourceName, long bytesRead, int headings) =>
        new(bytesRead == 0 ? $"{sourceName} is empty: there is no text to read."
            : headings == 0 ? $"{sourceName} has no text: it contains only whitespace."
            : $"{sourceName} has no paragraphs of prose: all {headings} paragraphs look like titles, headings or contents lines.");
}
