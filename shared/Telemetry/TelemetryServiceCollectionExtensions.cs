using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BertServerless.Shared.Telemetry;

/// <summary>OpenTelemetry for a host of the pipeline (the worker, the Functions app), exporting to Application Insights.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Application Insights' own setting name, as the Functions host and the Azure portal set it.</summary>
    public const string ConnectionSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// Traces, metrics and logs (with their scopes, so the job id) of <see cref="BertTelemetry"/> to Application
    /// Insights when <see cref="ConnectionSetting"/> is set; without it nothing is registered and nothing exported.
    /// </summary>
    public static IServiceCollection AddBertTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        if (configuration[ConnectionSetting] is not { Length: > 0 } connectionString) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing.AddSource(BertTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(BertTelemetry.Name))
            .UseAzureMonitorExporter(options => options.ConnectionString = connectionString);
        return services;
    }
}
