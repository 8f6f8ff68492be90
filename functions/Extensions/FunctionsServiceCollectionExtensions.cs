using BertServerless.Shared.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions;

/// <summary>Everything the functions need: the prep services shared with the local runner, and storage set up at start.</summary>
public static class FunctionsServiceCollectionExtensions
{
    public static IServiceCollection AddBertFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertPipeline(configuration);
        services.AddHostedService<StorageBootstrap>();
        return services;
    }
}
