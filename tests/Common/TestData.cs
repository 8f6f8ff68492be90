namespace BertServerless.Tests;

/// <summary>Finds the repository root and the team's reference data beside it (../shared/data).</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedData(string file)
    {
        var path = Path.Combine(RepoRoot, "..", "shared", "data", file);
        return File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"Reference data '{file}' not found beside the repository.", path);
    }

    public static string Meditations => SharedData("meditations.txt");
    public static string Sherlock => SharedData("sherlock-holmes-adventures.txt");
    public static string Vocab => Path.Combine(RepoRoot, "shared", "Tokenization", "bert-base-uncased-vocab.txt");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BertServerless.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("BertServerless.sln not found above " + AppContext.BaseDirectory);
    }
}
