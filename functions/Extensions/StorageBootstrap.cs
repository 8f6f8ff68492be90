using BertServerless.Shared.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BertServerless.Functions;

/// <summary>
/// Creates the containers and queues at start. In Azure infra/ made them already (a few cheap no-op requests); under
/// <c>func start</c> on Azurite nothing else would, and the queue output and the worker need them.
/// </summary>
public sealed class StorageBootstrap(PipelineStorage storage, ILogger<StorageBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        logger.LogInformation("Storage ready: containers {Containers}, queues {Queues}",
            string.Join(", ", PipelineStorage.Containers), string.Join(", ", PipelineStorage.Queues));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
