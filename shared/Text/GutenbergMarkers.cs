namespace BertServerless.Shared.Text;

/// <summary>
/// Project Gutenberg wraps each book in a header and a licence footer, fenced by
/// "*** START OF THE PROJECT GUTENBERG EBOOK ... ***" and "*** END OF THE PROJECT GUTENBERG EBOOK ... ***"
/// (older files say "THIS" for "THE"). Neither is the author's text.
/// </summary>
internal static class GutenbergMarkers
{
    public static bool IsStart(string line) => IsMarker(line, "START OF");

    public static bool IsEnd(string line) => IsMarker(line, "END OF");

    private static bool IsMarker(string line, string kind)
    {
        var text = line.AsSpan().TrimStart();
        if (!text.StartsWith("***")) return false;
        text = text.TrimStart('*').TrimStart();
        return text.StartsWith(kind, StringComparison.OrdinalIgnoreCase)
            && text.Contains("PROJECT GUTENBERG", StringComparison.OrdinalIgnoreCase);
    }
}
