using BertServerless.Shared.Prep;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BertServerless.Shared.Jobs;

/// <summary>Registers the prep stages, for the Functions app and the local runner alike.</summary>
public static class PipelineServiceCollectionExtensions
{
    public static IServiceCollection AddBertPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertStorage(configuration);
        services.AddKnobOptions<PrepOptions>(configuration, PrepOptions.SectionName, o => o.Validate());
        services.AddKnobOptions<TrainingRecipe>(configuration, TrainingRecipe.SectionName, r => r.Validate());
        services.TryAddSingleton(_ => BertTokenization.Default);
        services.AddSingleton<BookIntake>();
        services.AddOptions<PrepFinisherOptions>().BindConfiguration(PrepFinisherOptions.SectionName);
        services.AddSingleton<TrainingRequestGate>();
        services.AddSingleton<PrepFinisher>();
        services.AddSingleton<ChunkShardBuilder>();
        services.AddSingleton<PoisonedChunkReconciler>();
        return services;
    }
}
