using BertServerless.Cli.Local;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using BertServerless.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>The whole system in this process, for <c>bertsl run</c> and <c>bertsl serve</c>: Azurite when no account is configured, the local functions runner, the training worker and the watching API's services.</summary>
public static class LocalSystem
{
    /// <param name="dataFolder">Where Azurite keeps its data between runs; null keeps it in memory.</param>
    public static async Task<AzuriteProcess> StartAzuriteAsync(string? dataFolder, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine($"No storage account configured ({StorageNames.Connection}): starting Azurite {AzuriteProcess.Version} (installed with npm on first use)...");
        var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { Location = dataFolder }, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Azurite is up: blob port {azurite.BlobPort}, queue port {azurite.QueuePort} (pid {azurite.ProcessId}){(dataFolder is null ? "" : $", data in {dataFolder}")}");
        return azurite;
    }

    /// <param name="logLevel">The services' console logs: warnings only under a progress display, everything for a server.</param>
    public static IHost BuildHost(string connection, LogLevel logLevel)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [StorageNames.Connection] = connection });
        builder.Logging.SetMinimumLevel(logLevel);
        // The SDK logs every expected 404 (a status or checkpoint pointer not written yet) as a warning.
        builder.Logging.AddFilter("Azure", LogLevel.Error);
        builder.Services.AddLocalFunctions(builder.Configuration);
        builder.Services.AddTrainingWorker(builder.Configuration);
        builder.Services.AddBertMonitoring(builder.Configuration);
        return builder.Build();
    }
}
