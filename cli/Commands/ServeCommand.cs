using System.CommandLine;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace BertServerless.Cli.Commands;

/// <summary>
/// <c>bertsl serve</c>: the local functions and the training worker against a storage account until Ctrl-C, uploading
/// nothing: a book uploaded to the books container by any client becomes a job, as in Azure. Azurite is started, its
/// data kept in <c>--data</c>, when no account is given. The watching API and the dashboard are served on 127.0.0.1.
/// </summary>
public static class ServeCommand
{
    /// <summary>Core Tools' port, so the API's URLs are the same as under <c>func start</c>.</summary>
    public const int DefaultPort = 7071;

    public static Command Create()
    {
        var connection = StorageConnection.CreateOption();
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Azurite's data folder when no storage account is given; kept between runs",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".bertsl", "azurite")),
        };
        var port = new Option<int>("--port", "-p") { Description = "Port of the API and dashboard on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => DefaultPort };

        var command = new Command("serve", "Run the local functions and the training worker until Ctrl-C; books uploaded to the books container become jobs")
        {
            connection, data, port,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            if (parse.GetValue(port) is < 0 or > 65535) throw new ArgumentException($"--port {parse.GetValue(port)} is not a port.");
            var configured = parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(StorageNames.Connection);
            await using var azurite = configured is null ? await LocalSystem.StartAzuriteAsync(parse.GetValue(data)!.FullName, cancellationToken) : null;
            var storage = configured ?? azurite!.ConnectionString;

            using var host = LocalSystem.BuildHost(storage, LogLevel.Information);
            // Before saying "ready": an upload needs the books container, which nothing creates on Azurite.
            await host.Services.GetRequiredService<PipelineStorage>().EnsureCreatedAsync(cancellationToken);
            await host.StartAsync(cancellationToken);
            try
            {
                await using var server = MonitoringHttpServer.Start(host.Services.GetRequiredService<MonitoringApi>(), parse.GetValue(port));
                PrintReady(storage, azurite is not null, server.BaseAddress);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C is how a server is stopped, not an error.
                }
                Console.WriteLine("Stopping: a job in training uploads a checkpoint and resumes on the next start.");
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
            Console.WriteLine("Stopped.");
            return CliErrors.Ok;
        }));
        return command;
    }

    /// <summary>Plain lines, one fact each: a script (or a test) reads the connection string and the URL from them.</summary>
    private static void PrintReady(string connection, bool azurite, Uri baseAddress)
    {
        if (azurite)
        {
            Console.WriteLine($"Storage connection string: {connection}");
            Console.WriteLine($"  (in another shell: export {StorageNames.Connection}='{connection}')");
        }
        Console.WriteLine($"API: {baseAddress}api/jobs");
        Console.WriteLine($"Dashboard: {baseAddress}api/dashboard");
        AnsiConsole.MarkupLineInterpolated(
            $"Ready. Upload a book to the [bold]{StorageNames.BooksContainer}[/] container with any client, options as metadata, e.g. [grey]az storage blob upload --connection-string \"$BertStorage\" -c {StorageNames.BooksContainer} -f book.txt -n book.txt --metadata max_len=128 preset=tiny[/]. Ctrl-C to stop.");
    }
}
