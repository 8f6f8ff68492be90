using Microsoft.Extensions.Hosting;

namespace BertServerless.Cli.Local;

/// <summary>Runs <see cref="LocalFunctionsRunner"/> for the lifetime of a host.</summary>
public sealed class LocalFunctionsService(LocalFunctionsRunner runner) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => runner.RunAsync(stoppingToken);
}
