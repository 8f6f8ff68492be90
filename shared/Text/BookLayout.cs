namespace BertServerless.Shared.Text;

/// <summary>How a book marks its paragraphs.</summary>
public enum BookLayout
{
    /// <summary>Decide from the first block of the file (see <see cref="BookLayoutDetector"/>).</summary>
    Auto,

    /// <summary>Each non-blank line is one paragraph; blank lines mean nothing.</summary>
    LinePerParagraph,

    /// <summary>Hard-wrapped lines; a blank line ends a paragraph (Project Gutenberg style).</summary>
    BlankLineSeparated,
}
