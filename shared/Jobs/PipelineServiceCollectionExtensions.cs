using BertServerless.Shared.Prep;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Tokenization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BertServerless.Shared.Jobs;

/// <summary>Registers the prep stages, for the Functions app and the local runner alike.</summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>Configuration section of the prep defaults (<see cref="PrepOptions"/>).</summary>
    public const string PrepSection = "Prep";

    public static IServiceCollection AddBertPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertStorage(configuration);
        services.AddOptions<PrepOptions>().BindConfiguration(PrepSection);
        services.AddOptions<TrainingJobOptions>().BindConfiguration(TrainingJobOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => BertTokenization.Default);
        services.AddSingleton(sp => new JobStatusStore(sp.GetRequiredService<PipelineStorage>().Jobs, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BookIntake>();
        services.AddSingleton<PrepFinisher>();
        services.AddSingleton<ChunkShardBuilder>();
        return services;
    }
}
