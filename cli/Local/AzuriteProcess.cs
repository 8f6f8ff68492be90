using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace BertServerless.Cli.Local;

/// <summary>
/// Azurite, the real Azure Storage emulator, as a child process on free loopback ports: npm-installs it if missing,
/// starts it, waits until blob, queue and table accept connections, and kills the whole process tree on dispose.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>3.37.0 installs and runs on node 20; newer releases may need a newer node.</summary>
    public const string Version = "3.37.0";

    /// <summary>Azurite's fixed, public development account (documented by Microsoft; not a secret).</summary>
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const int OutputLines = 40;

    private readonly string _entry;
    private readonly string? _location;
    private Process _process;
    private ConcurrentQueue<string> _output;

    private AzuriteProcess(string entry, string? location, Process process, ConcurrentQueue<string> output, int blobPort, int queuePort, int tablePort)
    {
        _entry = entry;
        _location = location;
        _process = process;
        _output = output;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public int ProcessId => _process.Id;

    /// <summary>A connection string for this instance; <c>UseDevelopmentStorage=true</c> would point at the default ports instead.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{Account};QueueEndpoint=http://127.0.0.1:{QueuePort}/{Account};TableEndpoint=http://127.0.0.1:{TablePort}/{Account};";

    /// <summary>Recent output of the emulator, for error messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    public static async Task<AzuriteProcess> StartAsync(AzuriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteOptions();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        var entry = await InstallAsync(options.ToolsDirectory, timeout.Token);

        // A port found free can be taken before azurite binds it; then azurite exits and we try other ports.
        for (var attempt = 1; ; attempt++)
        {
            var (blob, queue, table) = FreePorts();
            var (process, output) = Launch(entry, options.Location, blob, queue, table);
            var azurite = new AzuriteProcess(entry, options.Location, process, output, blob, queue, table);
            try
            {
                await azurite.WaitUntilListeningAsync(timeout.Token);
                return azurite;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await azurite.DisposeAsync();
            }
            catch
            {
                await azurite.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Stops the emulator as a storage outage would, its data saved (it needs a <see cref="AzuriteOptions.Location"/>);
    /// <see cref="StartAgainAsync"/> brings it back with the same data on the same ports.
    /// </summary>
    public async Task StopAsync()
    {
        if (_location is null) throw new InvalidOperationException("An in-memory Azurite loses its data when stopped: give it a Location.");
        await ShutDownAsync();
    }

    /// <summary>Starts the emulator again after <see cref="StopAsync"/>, on the same ports and data folder, and waits until it listens.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited) throw new InvalidOperationException("Azurite is still running.");
        _process.Dispose();
        (_process, _output) = Launch(_entry, _location, BlobPort, QueuePort, TablePort);
        await WaitUntilListeningAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await ShutDownAsync();
        _process.Dispose();
    }

    private async Task ShutDownAsync()
    {
        try
        {
            if (_location is not null && !OperatingSystem.IsWindows() && !_process.HasExited)
            {
                // Azurite saves its metadata every few seconds, and on SIGTERM: a kill could lose the latest writes.
                _ = SendSignal(_process.Id, SigTerm);
                using var graceful = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(graceful.Token);
                }
                catch (OperationCanceledException)
                {
                    // Killed below.
                }
            }
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private const int SigTerm = 15;

    // .NET can only kill (SIGKILL) a process; libc's kill sends the signal a server shuts down cleanly on.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static async Task<string> InstallAsync(string toolsDirectory, CancellationToken cancellationToken)
    {
        var entry = Path.Combine(toolsDirectory, "node_modules", "azurite", "dist", "src", "azurite.js");
        // npm writes the entry file before it has finished the install: only this marker, written after, means done.
        var installed = Path.Combine(toolsDirectory, $".azurite-{Version}.installed");
        if (File.Exists(installed)) return entry;

        Directory.CreateDirectory(toolsDirectory);
        // Test runs in parallel processes share the folder: one installs, the others wait for its lock.
        await using var installLock = await LockAsync(Path.Combine(toolsDirectory, ".install.lock"), cancellationToken);
        if (File.Exists(installed)) return entry;

        var npm = new ProcessStartInfo("npm")
        {
            ArgumentList = { "install", "--prefix", toolsDirectory, "--no-audit", "--no-fund", "--loglevel=error", $"azurite@{Version}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm could not be started; install Node.js 20 or newer.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 || !File.Exists(entry))
            throw new InvalidOperationException($"npm install azurite@{Version} failed (exit {process.ExitCode}): {await stderr}{await stdout}");
        await File.WriteAllTextAsync(installed, Version, cancellationToken);
        return entry;
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private static (Process Process, ConcurrentQueue<string> Output) Launch(string entry, string? location, int blob, int queue, int table)
    {
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                entry,
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
                // The newest Azure SDKs send an API version newer than 3.37.0 knows, which it would reject with 400.
                "--skipApiVersionCheck",
                "--disableProductStyleUrl",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (location is null) start.ArgumentList.Add("--inMemoryPersistence");
        else
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var output = new ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        void Keep(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            while (output.Count > OutputLines) output.TryDequeue(out var _);
        }
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        if (!process.Start()) throw new InvalidOperationException("node could not be started; install Node.js 20 or newer.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before listening: {RecentOutput}");
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
    }

    private static (int Blob, int Queue, int Table) FreePorts()
    {
        // Held open together so the three differ; closed just before azurite binds them.
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners) listener.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners) listener.Stop();
        return (ports[0], ports[1], ports[2]);
    }
}
