using BertServerless.Shared.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions.Tests;

public class PipelineStorageTests
{
    private static PipelineStorage Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddBertStorage(configuration).BuildServiceProvider().GetRequiredService<PipelineStorage>();
    }

    [Fact]
    public async Task EnsureCreatedAsync_identity_endpoints_sends_no_request()
    {
        // Nothing listens on port 9: any request, or the credential lookup before it, would throw.
        var storage = Build(new()
        {
            [$"{StorageNames.Connection}:blobServiceUri"] = "https://127.0.0.1:9/devstoreaccount1",
            [$"{StorageNames.Connection}:queueServiceUri"] = "https://127.0.0.1:9/devstoreaccount1",
        });

        await storage.EnsureCreatedAsync(CancellationToken.None);
    }

    [Fact]
    public async Task EnsureCreatedAsync_connection_string_creates_resources()
    {
        var storage = Build(new()
        {
            [StorageNames.Connection] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        // It tries (and fails, nothing listens), which is the point: Azurite needs it.
        await Assert.ThrowsAnyAsync<Exception>(() => storage.EnsureCreatedAsync(timeout.Token));
    }
}
