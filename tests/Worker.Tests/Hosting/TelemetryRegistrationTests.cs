using BertServerless.Shared.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BertServerless.Worker.Tests.Hosting;

public sealed class TelemetryRegistrationTests
{
    [Fact]
    public void AddBertTelemetry_without_a_connection_string_registers_nothing()
    {
        var services = new ServiceCollection().AddBertTelemetry(new ConfigurationBuilder().Build(), "test");
        Assert.Empty(services);
    }

    [Fact]
    public void AddBertTelemetry_with_a_connection_string_registers_tracing_and_metrics()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // A well-formed string pointing nowhere: the providers are only resolved, never asked to export.
            [TelemetryServiceCollectionExtensions.ConnectionSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddBertTelemetry(configuration, "test").BuildServiceProvider();
        Assert.NotNull(provider.GetService<TracerProvider>());
        Assert.NotNull(provider.GetService<MeterProvider>());
    }
}
