using System.CommandLine;
using BertServerless.Shared.Storage;

namespace BertServerless.Cli.Commands;

/// <summary>The storage account of the storage commands: <c>--connection</c>, else the <c>BertStorage</c> environment variable (the Functions setting's name).</summary>
public static class StorageConnection
{
    public static Option<string?> CreateOption() => new("--connection", "-c")
    {
        Description = $"Storage connection string (default: environment variable {StorageNames.Connection}; UseDevelopmentStorage=true for Azurite on its default ports)",
    };

    public static string Resolve(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : Environment.GetEnvironmentVariable(StorageNames.Connection) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : throw new ArgumentException($"No storage account: pass --connection or set the {StorageNames.Connection} environment variable.");
}
