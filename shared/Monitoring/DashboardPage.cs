using System.Text;
using System.Reflection;

namespace BertServerless.Shared.Monitoring;

/// <summary>
/// The dashboard's static files (Monitoring/Dashboard/), embedded so every host serves the same page without a build
/// step. The page comes with its style and script inlined: in Azure every request needs the function key, which the
/// page's URL carries (<c>?code=</c>) but a plain <c>&lt;script src&gt;</c> would not.
/// </summary>
public static class DashboardPage
{
    public const string PageFile = "index.html";
    private const string StyleLink = "<link rel=\"stylesheet\" href=\"dashboard.css\">";
    private const string ScriptTag = "<script src=\"dashboard.js\"></script>";

    private static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    /// <summary>Only the files listed above, by exact name: nothing a request names can reach another resource.</summary>
    public static ApiResponse Get(string file)
    {
        if (!ContentTypes.TryGetValue(file, out var contentType)) return ApiResponse.Error(404, $"No dashboard file '{file}'.");
        if (file != PageFile) return ApiResponse.File(contentType, Read(file));
        var page = Encoding.UTF8.GetString(Read(PageFile))
            .Replace(StyleLink, $"<style>\n{Encoding.UTF8.GetString(Read("dashboard.css"))}</style>", StringComparison.Ordinal)
            .Replace(ScriptTag, $"<script>\n{Encoding.UTF8.GetString(Read("dashboard.js"))}</script>", StringComparison.Ordinal);
        return ApiResponse.File(contentType, Encoding.UTF8.GetBytes(page));
    }

    private static byte[] Read(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + file)
                           ?? throw new InvalidOperationException($"Dashboard file '{file}' is not embedded in {typeof(DashboardPage).Assembly.GetName().Name}.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
