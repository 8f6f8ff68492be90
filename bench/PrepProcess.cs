using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BertServerless.Bench;

/// <summary>
/// Whole-process prep, as a user's job meets it: the published (ReadyToRun) <c>bertsl prep</c> started fresh for one
/// book, timed from start to exit, with its peak resident memory read from the running process.
/// </summary>
public static class PrepProcess
{
    public sealed record Run(double Seconds, long PeakRssBytes);

    /// <summary>
    /// Publishes the CLI into <paramref name="directory"/> as its csproj ships it: ReadyToRun, framework-dependent, or
    /// self-contained (then one composite image with the framework); returns the command that starts it.
    /// </summary>
    public static string[] Publish(string directory, bool selfContained)
    {
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(RepoPaths.Root, "cli"), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "--self-contained", selfContained ? "true" : "false", "-o", directory, "--nologo", "-v", "quiet"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish cli failed ({process.ExitCode}):\n{output}");
        return selfContained ? [Path.Combine(directory, "bertsl")] : ["dotnet", Path.Combine(directory, "bertsl.dll")];
    }

    /// <summary>
    /// Runs <c>bertsl prep -i book -o outDir</c>, on core 0 alone when <paramref name="pinned"/> and taskset exists.
    /// Peak RSS is the kernel's high-water mark (VmHWM), polled while the process lives.
    /// </summary>
    public static Run Prep(string[] bertsl, string book, string outDir, bool pinned, IReadOnlyDictionary<string, string>? environment = null, params string[] options)
    {
        string[] command = [.. bertsl, "prep", "-i", book, "-o", outDir, .. options];
        if (pinned && TasksetExists()) command = ["taskset", "-c", "0", .. command];
        var start = new ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.WaitForExit(50))
        {
            try
            {
                process.Refresh();
                peak = Math.Max(peak, process.PeakWorkingSet64);
            }
            catch (InvalidOperationException)
            {
                // It exited between the wait and the read.
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return process.ExitCode == 0
            ? new Run(seconds, peak)
            : throw new InvalidOperationException($"bertsl prep failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    public static bool TasksetExists()
        => OperatingSystem.IsLinux() && (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "taskset")));
}
