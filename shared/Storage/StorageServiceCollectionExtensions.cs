using Microsoft.Extensions.DependencyInjection.Extensions;
using BertServerless.Shared.Jobs;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Shared.Storage;

/// <summary>Registers the storage clients from the <c>BertStorage</c> setting, read the same way the Functions triggers read it.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// <c>BertStorage</c> is either a connection string (Azurite: <c>UseDevelopmentStorage=true</c>) or, in Azure,
    /// the section <c>BertStorage__blobServiceUri</c> / <c>__queueServiceUri</c> with a managed identity, as infra/ sets it.
    /// The clients' options, their retry policy above all, come from section <see cref="StorageNames.ClientDefaults"/>.
    /// </summary>
    public static IServiceCollection AddBertStorage(this IServiceCollection services, IConfiguration configuration)
    {
        // Idempotent: a host running both the prep services and the training worker (bertsl run) registers storage twice.
        if (services.Any(d => d.ServiceType == typeof(PipelineStorage))) return services;
        var section = configuration.GetSection(StorageNames.Connection);
        var connectionString = !string.IsNullOrWhiteSpace(section.Value);
        services.AddAzureClients(clients =>
        {
            // Retry (MaxRetries, Delay, MaxDelay, Mode, NetworkTimeout) of every client: how long an outage is ridden out.
            clients.ConfigureDefaults(configuration.GetSection(StorageNames.ClientDefaults));
            if (connectionString)
            {
                clients.AddBlobServiceClient(section.Value);
                clients.AddQueueServiceClient(section.Value).ConfigureOptions(options => StorageQueues.Configure(options));
                return;
            }

            clients.AddBlobServiceClient(RequiredUri(section, "blobServiceUri"));
            clients.AddQueueServiceClient(RequiredUri(section, "queueServiceUri")).ConfigureOptions(options => StorageQueues.Configure(options));
            clients.UseCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["clientId"] }));
        });
        services.AddSingleton(sp => new PipelineStorage(
            sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<QueueServiceClient>(), createsResources: connectionString));
        // Every host that reaches storage reads or writes job status: one store, registered with the storage it uses.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new JobStatusStore(sp.GetRequiredService<PipelineStorage>().Jobs, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static Uri RequiredUri(IConfigurationSection section, string key) =>
        Uri.TryCreate(section[key], UriKind.Absolute, out var uri) ? uri
            : throw new InvalidOperationException($"Storage is not configured: set '{StorageNames.Connection}' to a connection string, or '{StorageNames.Connection}__{key}' to the account's endpoint.");
}
