using BertServerless.Shared.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Cli.Local;

/// <summary>Registers the local stand-in for the Functions host; configuration as the Functions app's (BertStorage, Prep, Training).</summary>
public static class LocalServiceCollectionExtensions
{
    /// <summary>The pipeline services and <see cref="LocalFunctionsRunner"/>, without starting it.</summary>
    public static IServiceCollection AddLocalFunctionsRunner(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertPipeline(configuration);
        services.AddOptions<LocalRunnerOptions>().BindConfiguration(LocalRunnerOptions.SectionName);
        services.AddSingleton<LocalFunctionsRunner>();
        return services;
    }

    /// <summary>As <see cref="AddLocalFunctionsRunner"/>, and runs it as a hosted service.</summary>
    public static IServiceCollection AddLocalFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalFunctionsRunner(configuration);
        services.AddHostedService<LocalFunctionsService>();
        return services;
    }
}
