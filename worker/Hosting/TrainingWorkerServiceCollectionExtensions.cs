using BertServerless.Shared;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Training;
using BertServerless.Worker.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BertServerless.Worker.Hosting;

/// <summary>Registers the training worker, for the container's entry point and for in-process hosts such as <c>bertsl run</c>.</summary>
public static class TrainingWorkerServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="TrainingService"/> and what it needs: the <c>BertStorage</c> clients and the job status store (shared
    /// with the prep services when those are registered too), <see cref="TrainingWorkerOptions"/> and
    /// <see cref="TrainingHardware"/> from section <see cref="TrainingWorkerOptions.SectionName"/>, the price table of
    /// estimates (<see cref="PricingOptions"/>) from section <see cref="PricingOptions.SectionName"/>, and the default
    /// <see cref="TrainingRecipe"/> (for a status without one) from section <see cref="TrainingRecipe.SectionName"/>.
    /// </summary>
    public static IServiceCollection AddTrainingWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBertStorage(configuration);
        services.AddOptions<TrainingWorkerOptions>().BindConfiguration(TrainingWorkerOptions.SectionName);
        services.AddOptions<TrainingHardware>().BindConfiguration(TrainingWorkerOptions.SectionName);
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName);
        services.AddKnobOptions<TrainingRecipe>(configuration, TrainingRecipe.SectionName, recipe => recipe.Validate());
        services.TryAddSingleton<CheckpointStore>();
        services.TryAddSingleton<TrainingJobRunner>();
        services.TryAddSingleton<TrainingMessageHandler>();
        services.AddHostedService<TrainingService>();
        return services;
    }
}
