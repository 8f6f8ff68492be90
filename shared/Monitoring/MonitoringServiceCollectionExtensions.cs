using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BertServerless.Shared.Monitoring;

/// <summary>Registers the read side: jobs, their metrics and the queues, over the storage of <c>BertStorage</c>.</summary>
public static class MonitoringServiceCollectionExtensions
{
    public static IServiceCollection AddBertMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertStorage(configuration);
        services.TryAddSingleton(sp => new JobMetricsLog(sp.GetRequiredService<PipelineStorage>().Jobs));
        services.TryAddSingleton<JobCatalog>();
        services.TryAddSingleton<QueueMonitor>();
        services.TryAddSingleton<CancelRequests>();
        services.TryAddSingleton<MonitoringApi>();
        return services;
    }
}
