namespace BertServerless.Bench;

/// <summary>The repository root (where BertServerless.sln is) and the sample books it ships.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Sample(string file) => Path.Combine(Root, "samples", file);

    private static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "BertServerless.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Run the benchmark from inside the repository (BertServerless.sln not found).");
    }
}
