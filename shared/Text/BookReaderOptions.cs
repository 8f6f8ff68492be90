using System.Text;

namespace BertServerless.Shared.Text;

/// <summary>How <see cref="BookReader"/> reads a book.</summary>
public sealed class BookReaderOptions
{
    /// <summary>Paragraph layout; <see cref="BookLayout.Auto"/> decides from the first block of the file.</summary>
    public BookLayout Layout { get; set; } = BookLayout.Auto;

    /// <summary>
    /// Text encoding; null means strict UTF-8, which rejects invalid bytes rather than guessing.
    /// Set <see cref="Encoding.Latin1"/> (or Windows-1252) to read such files deliberately.
    /// </summary>
    public Encoding? Encoding { get; set; }

    /// <summary>The longest line accepted; a longer one means the file is not a book in either layout.</summary>
    public int MaxLineChars { get; set; } = 1_000_000;

    /// <summary>The longest paragraph accepted in the blank-line layout, so a file without blank lines cannot fill memory.</summary>
    public int MaxParagraphChars { get; set; } = 1_000_000;
}
