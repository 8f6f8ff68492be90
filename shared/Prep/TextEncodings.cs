using System.Text;

namespace BertServerless.Shared.Prep;

/// <summary>The encodings a book may be read with, by the names users type.</summary>
public static class TextEncodings
{
    static TextEncodings() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static IReadOnlyList<string> Names { get; } = ["utf-8", "latin1", "windows-1252"];

    /// <summary>UTF-8 is strict (invalid bytes throw) so a mis-encoded book is reported rather than silently garbled.</summary>
    public static Encoding Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "utf-8" or "utf8" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true),
        "latin1" or "latin-1" or "iso-8859-1" => Encoding.Latin1,
        "windows-1252" or "cp1252" => Encoding.GetEncoding(1252),
        _ => throw new ArgumentException($"Unknown encoding '{name}': use one of {string.Join(", ", Names)}."),
    };
}
