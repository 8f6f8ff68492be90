using System.CommandLine;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Cli.Commands;

/// <summary>
/// The storage account of the watching commands: <c>--connection</c> (or <c>BertStorage</c>), or <c>--account-url</c>
/// signed in with DefaultAzureCredential, as Azure CLI users expect. Either way it becomes the <c>BertStorage</c>
/// setting the Functions app reads, so the services are wired as there.
/// </summary>
public sealed class MonitoringConnection
{
    public Option<string?> Connection { get; } = StorageConnection.CreateOption();

    public Option<Uri?> AccountUrl { get; } = new("--account-url")
    {
        Description = "The account's blob endpoint (https://NAME.blob.core.windows.net), signed in with DefaultAzureCredential (az login, managed identity, environment)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Connection);
        command.Options.Add(AccountUrl);
    }

    public ServiceProvider Connect(ParseResult parse)
    {
        var settings = new Dictionary<string, string?>();
        if (parse.GetValue(AccountUrl) is { } blobEndpoint)
        {
            if (!string.IsNullOrWhiteSpace(parse.GetValue(Connection)))
                throw new ArgumentException("Pass --connection or --account-url, not both.");
            settings[$"{StorageNames.Connection}:blobServiceUri"] = blobEndpoint.ToString();
            settings[$"{StorageNames.Connection}:queueServiceUri"] = QueueEndpoint(blobEndpoint).ToString();
        }
        else settings[StorageNames.Connection] = StorageConnection.Resolve(parse.GetValue(Connection));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddBertMonitoring(configuration).BuildServiceProvider();
    }

    /// <summary>The queue endpoint of the account whose blob endpoint is <paramref name="blobEndpoint"/> (Azure's naming: NAME.blob. → NAME.queue.).</summary>
    public static Uri QueueEndpoint(Uri blobEndpoint)
    {
        if (!blobEndpoint.IsAbsoluteUri || !blobEndpoint.Host.Contains(".blob.", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--account-url '{blobEndpoint}' is not a blob endpoint like https://NAME.blob.core.windows.net; for Azurite or a custom domain pass --connection.");
        return new UriBuilder(blobEndpoint) { Host = blobEndpoint.Host.Replace(".blob.", ".queue.", StringComparison.OrdinalIgnoreCase) }.Uri;
    }
}
