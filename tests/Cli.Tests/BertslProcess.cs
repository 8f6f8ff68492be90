using System.Diagnostics;
using System.Text;

namespace BertServerless.Cli.Tests;

/// <summary>
/// A long-running <c>bertsl</c> (serve) in a child process: its output read as it comes, lines waited for, stopped
/// with SIGINT as Ctrl-C in a terminal would. Disposing kills whatever is still running.
/// </summary>
internal sealed class BertslProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private BertslProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static BertslProcess Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bertsl.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("BertStorage"); // tests choose their storage explicitly
        return new BertslProcess(Process.Start(start)!);
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The rest of the first output line that starts with <paramref name="prefix"/>, once it is printed.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null) return line[prefix.Length..].TrimEnd('\r');
            if (_process.HasExited) throw new InvalidOperationException($"bertsl exited ({_process.ExitCode}) before printing '{prefix}':\n{Stdout}\n{Stderr}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"bertsl did not print '{prefix}' within {timeout}:\n{Stdout}\n{Stderr}");
            await Task.Delay(100);
        }
    }

    /// <summary>Ctrl-C.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null) return;
        lock (output) output.Append(line).Append('\n');
    }
}
