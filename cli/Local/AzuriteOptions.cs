namespace BertServerless.Cli.Local;

/// <summary>How <see cref="AzuriteProcess"/> installs and runs the storage emulator.</summary>
public sealed class AzuriteOptions
{
    /// <summary>Folder azurite is npm-installed into: <c>.tools/azurite</c> in the repository (git-ignored), else <c>~/.bertsl/tools/azurite</c>.</summary>
    public string ToolsDirectory { get; set; } = DefaultToolsDirectory();

    /// <summary>Data folder; null keeps everything in memory, gone when the process stops (tests).</summary>
    public string? Location { get; set; }

    /// <summary>Install plus start; the first npm install takes about a minute.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(5);

    private static string DefaultToolsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BertServerless.sln"))) return Path.Combine(dir.FullName, ".tools", "azurite");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bertsl", "tools", "azurite");
    }
}
