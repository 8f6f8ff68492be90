using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BertServerless.Worker.Tests.Faults;

/// <summary>
/// The training worker as its container runs it: <c>dotnet BertServerless.Worker.dll</c> in a process of its own, so a
/// test can SIGKILL it (an evicted spot VM), SIGTERM it (a scale-in or an execution timeout) or SIGSTOP it at any moment.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the worker wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    public static WorkerProcess Start(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BertServerless.Worker.dll"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // Plain lines, one per log entry, so a failing test can show them.
        info.Environment["Logging__Console__FormatterName"] = "simple";
        var worker = new WorkerProcess(new Process { StartInfo = info });
        worker._process.OutputDataReceived += (_, e) => { if (e.Data is not null) worker._output.Enqueue(e.Data); };
        worker._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) worker._output.Enqueue(e.Data); };
        worker._process.Start();
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed or uploaded.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Kubernetes and Container Apps send before a grace period ends in SIGKILL.</summary>
    public void Terminate() => Signal(SigTerm, "SIGTERM");

    /// <summary>SIGSTOP: the process lives but does nothing (a VM frozen, a GC pause, a lost network): its leases lapse.</summary>
    public void Pause() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT: it carries on where it was, its timers firing late.</summary>
    public void Resume() => Signal(SigCont, "SIGCONT");

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Signal(int signal, string name)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {name}) failed.");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
