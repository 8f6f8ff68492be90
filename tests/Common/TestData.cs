namespace BertServerless.Tests;

/// <summary>Finds the repository root and the real text the tests read, all of it inside the repository.</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Meditations => Sample("meditations.txt");
    public static string Sherlock => Sample("sherlock-holmes-adventures.txt");
    public static string Vocab => Path.Combine(RepoRoot, "shared", "Tokenization", "bert-base-uncased-vocab.txt");

    private static string Sample(string file)
    {
        var path = Path.Combine(RepoRoot, "samples", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Sample '{file}' is missing from samples/.", path);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BertServerless.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("BertServerless.sln not found above " + AppContext.BaseDirectory);
    }
}
