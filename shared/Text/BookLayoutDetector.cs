namespace BertServerless.Shared.Text;

/// <summary>
/// Decides <see cref="BookLayout.Auto"/> from the first block of a book: it is
/// <see cref="BookLayout.BlankLineSeparated"/> when blank lines separate blocks of several lines and those lines look
/// hard-wrapped (at least <see cref="WrappedShare"/> of them are at most <see cref="WrapWidth"/> characters);
/// otherwise <see cref="BookLayout.LinePerParagraph"/>. The wrap test keeps a one-paragraph-per-line book with a few
/// blank lines between its parts from being merged into a handful of giant paragraphs.
/// </summary>
internal static class BookLayoutDetector
{
    /// <summary>Gutenberg wraps at about 70 characters; 100 leaves room for other wrap widths.</summary>
    public const int WrapWidth = 100;

    public const double WrappedShare = 0.9;

    public static BookLayout Detect(IReadOnlyList<string> firstBlock)
    {
        int textLines = 0, shortLines = 0, run = 0;
        bool blankLine = false, multiLineBlock = false;
        foreach (var line in firstBlock)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                blankLine |= textLines > 0;
                run = 0;
                continue;
            }

            textLines++;
            if (line.Length <= WrapWidth) shortLines++;
            multiLineBlock |= ++run >= 2;
        }

        var wrapped = shortLines >= textLines * WrappedShare;
        return blankLine && multiLineBlock && wrapped ? BookLayout.BlankLineSeparated : BookLayout.LinePerParagraph;
    }
}
