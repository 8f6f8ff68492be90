using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions;

/// <summary>Everything the functions need: the prep services shared with the local runner, the watching API, and storage set up at start.</summary>
public static class FunctionsServiceCollectionExtensions
{
    public static IServiceCollection AddBertFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertPipeline(configuration);
        services.AddBertMonitoring(configuration);
        services.AddHostedService<StorageBootstrap>();
        return services;
    }
}
