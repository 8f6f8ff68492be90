using System.Text;
using BertServerless.Shared.Text;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Text;

public class BookReaderTests
{
    private static List<string> Read(byte[] book, BookReaderOptions? options = null) =>
        BookReader.ReadParagraphs(new MemoryStream(book), options ?? new BookReaderOptions(), "test.txt").ToList();

    private static List<string> Read(string book, BookReaderOptions? options = null) => Read(Encoding.UTF8.GetBytes(book), options);

    private static List<string> ReadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return BookReader.ReadParagraphs(stream, new BookReaderOptions(), Path.GetFileName(path)).ToList();
    }

    private static List<string> FirstBlock(string path) => File.ReadLines(path).Take(1000).ToList();

    [Fact]
    public void Detect_Meditations_LinePerParagraph() =>
        Assert.Equal(BookLayout.LinePerParagraph, BookLayoutDetector.Detect(FirstBlock(TestData.Meditations)));

    [Fact]
    public void Detect_Sherlock_BlankLineSeparated() =>
        Assert.Equal(BookLayout.BlankLineSeparated, BookLayoutDetector.Detect(FirstBlock(TestData.Sherlock)));

    [Fact]
    public void Detect_LongLinesWithBlankLinesBetweenParts_LinePerParagraph()
    {
        var lines = File.ReadLines(TestData.Meditations).Take(60).ToList();
        lines.Insert(30, "");

        Assert.Equal(BookLayout.LinePerParagraph, BookLayoutDetector.Detect(lines));
    }

    [Fact]
    public void ReadParagraphs_Meditations_EachLineIsAParagraph()
    {
        var lines = File.ReadLines(TestData.Meditations).Where(line => line.Trim().Length > 0).Select(line => line.Trim()).ToList();

        var paragraphs = ReadFile(TestData.Meditations);

        Assert.Equal(lines, paragraphs);
        Assert.StartsWith("From my grandfather Verus", paragraphs[0]);
    }

    [Fact]
    public void ReadParagraphs_Sherlock_JoinsWrappedLinesOfAParagraph()
    {
        var paragraphs = ReadFile(TestData.Sherlock);

        Assert.StartsWith("To Sherlock Holmes she is always _the_ woman. I have seldom heard him mention her", paragraphs[0]);
        Assert.EndsWith("Irene Adler, of dubious and questionable memory.", paragraphs[0]);
        Assert.Contains("“Seven!” I answered.", paragraphs);
        Assert.All(paragraphs, p => Assert.Equal(p.Trim(), p));
    }

    [Fact]
    public void ReadParagraphs_Sherlock_NoTitleHeadingOrContentsLine()
    {
        var paragraphs = ReadFile(TestData.Sherlock);

        Assert.DoesNotContain(paragraphs, p => p.Contains("SCANDAL IN BOHEMIA") || p.Contains("THE COPPER BEECHES"));
        Assert.DoesNotContain(paragraphs, p => p.Contains("The Red-Headed League") || p.StartsWith("Contents"));
        Assert.DoesNotContain(paragraphs, p => p.Contains("Arthur Conan Doyle"));
        Assert.DoesNotContain(paragraphs, p => p is "I." or "II." or "III.");
    }

    [Fact]
    public void ReadParagraphs_WrappedLineEndingInPronoun_KeepsParagraph()
    {
        var paragraphs = Read("Title\n\n“It is four hours a day, and I should not think of leaving,” said\nI.\n\nNext one.\n");

        Assert.Equal(["“It is four hours a day, and I should not think of leaving,” said I.", "Next one."], paragraphs);
    }

    [Fact]
    public void ReadParagraphs_BrokenOffDialogue_Kept()
    {
        var paragraphs = Read("It began here.\nIt went on.\n\n“But your client—”\n\nDone.\n");

        Assert.Equal(["It began here. It went on.", "“But your client—”", "Done."], paragraphs);
    }

    [Fact]
    public void ReadParagraphs_HeadingsInLinePerParagraphLayout_Dropped()
    {
        var paragraphs = Read("BOOK ONE\nContents\nI.\nII. The Second Part\nThe first sentence is here. Then another.\nA second paragraph.\n");

        Assert.Equal(["The first sentence is here. Then another.", "A second paragraph."], paragraphs);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void ReadParagraphs_CrlfAndCrLineEndings_SameAsLf(string newline)
    {
        var book = "Heading\n\nOne line\nwrapped here.\n\nTwo lines\nwrapped too.\n\nThe end.";

        Assert.Equal(Read(book), Read(book.Replace("\n", newline)));
        Assert.Equal(3, Read(book).Count);
    }

    [Fact]
    public void ReadParagraphs_ByteOrderMark_Stripped()
    {
        var book = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("First line.\nSecond line.\n")).ToArray();

        Assert.Equal(["First line.", "Second line."], Read(book));
    }

    [Fact]
    public void ReadParagraphs_InvalidUtf8_ErrorNamesSourceLineAndEncodingOption()
    {
        var book = Encoding.Latin1.GetBytes("A first line.\nCaf\u00e9 au lait.\n");

        var error = Assert.Throws<InvalidDataException>(() => Read(book));

        Assert.Contains("test.txt is not valid UTF-8", error.Message);
        Assert.Contains("0xE9 at offset 17 (line 2)", error.Message);
        Assert.Contains("Encoding.Latin1", error.Message);
    }

    [Fact]
    public void ReadParagraphs_Latin1Option_DecodesLatin1()
    {
        var book = Encoding.Latin1.GetBytes("A first line.\nCaf\u00e9 au lait.\n");

        Assert.Equal(["A first line.", "Café au lait."], Read(book, new BookReaderOptions { Encoding = Encoding.Latin1 }));
    }

    [Fact]
    public void ReadParagraphs_MultiByteCharacterAcrossReadBlocks_Decoded()
    {
        // 65,535 ASCII bytes put the two bytes of "é" on both sides of the 64 KiB read block.
        var book = new string('a', 65_535) + "é.\nNext.";

        var paragraphs = Read(book);

        Assert.Equal(65_537, paragraphs[0].Length);
        Assert.EndsWith("é.", paragraphs[0]);
    }

    [Fact]
    public void ReadParagraphs_NulBytes_BinaryError()
    {
        var book = new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x41, 0x42 };

        var error = Assert.Throws<InvalidDataException>(() => Read(book));

        Assert.Contains("looks like a binary file, not text", error.Message);
    }

    [Fact]
    public void ReadParagraphs_MostlyControlBytes_BinaryError()
    {
        var book = Enumerable.Range(0, 1000).Select(i => (byte)(i % 2 == 0 ? 0x01 : 0x41)).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => Read(book));

        Assert.Contains("looks like a binary file, not text", error.Message);
    }

    [Fact]
    public void ReadParagraphs_EmptyFile_EmptyError()
    {
        var error = Assert.Throws<InvalidDataException>(() => Read([]));

        Assert.Equal("test.txt is empty: there is no text to read.", error.Message);
    }

    [Fact]
    public void ReadParagraphs_WhitespaceOnly_WhitespaceError()
    {
        var error = Assert.Throws<InvalidDataException>(() => Read(" \n\t\r\n   \n"));

        Assert.Contains("contains only whitespace", error.Message);
    }

    [Fact]
    public void ReadParagraphs_OnlyHeadings_NoProseError()
    {
        var error = Assert.Throws<InvalidDataException>(() => Read("Contents\nI. The Start\nII. The End\n"));

        Assert.Contains("no paragraphs of prose", error.Message);
    }

    [Fact]
    public void ReadParagraphs_TenMegabyteLineWithoutNewline_ErrorBeforeReadingItAll()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes(new string('x', 10_000_000)));

        var error = Assert.Throws<InvalidDataException>(() => BookReader.ReadParagraphs(stream, new BookReaderOptions(), "big.txt").ToList());

        Assert.Equal("big.txt: line 1 is over 1,000,000 characters: this is not a book layout we read; expected one paragraph per line or wrapped lines.", error.Message);
        Assert.InRange(stream.Position, 1_000_000, 1_200_000);
    }

    [Fact]
    public void ReadParagraphs_BlankLineLayoutWithoutBlankLines_ParagraphTooLongError()
    {
        var book = string.Concat(Enumerable.Repeat("A wrapped line of prose.\n", 100));
        var options = new BookReaderOptions { Layout = BookLayout.BlankLineSeparated, MaxParagraphChars = 1000 };

        var error = Assert.Throws<InvalidDataException>(() => Read(book, options));

        Assert.Contains("paragraph starting at line 1 runs over 1,000 characters without a blank line", error.Message);
    }

    [Fact]
    public void ReadParagraphs_GutenbergBoilerplate_Skipped()
    {
        var book = "The Project Gutenberg eBook of Something.\nThis eBook is for the use of anyone.\n\n"
            + "*** START OF THE PROJECT GUTENBERG EBOOK SOMETHING ***\n\nThe story begins.\nIt goes on.\n\nIt ends.\n\n"
            + "*** END OF THE PROJECT GUTENBERG EBOOK SOMETHING ***\n\nUpdated editions will replace the previous one.\nMore licence text.\n";

        Assert.Equal(["The story begins. It goes on.", "It ends."], Read(book));
    }

    [Fact]
    public void ReadParagraphs_EndlessStream_YieldsFirstParagraphsAfterOneBlock()
    {
        var stream = new EndlessBook();

        var paragraphs = BookReader.ReadParagraphs(stream, new BookReaderOptions(), "endless").Take(3).ToList();

        Assert.Equal(3, paragraphs.Count);
        Assert.InRange(stream.BytesRead, 1, 256 * 1024);
    }

    /// <summary>A book with no end, to show paragraphs arrive before the stream is read through.</summary>
    private sealed class EndlessBook : Stream
    {
        private static readonly byte[] Paragraph = Encoding.ASCII.GetBytes("It was a line\nof wrapped prose.\n\n");

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++) buffer[offset + i] = Paragraph[(BytesRead + i) % Paragraph.Length];
            BytesRead += count;
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
