using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Storage;

namespace BertServerless.Cli;

/// <summary>Downloads one checkpoint folder of the checkpoints container into a local directory, file by file.</summary>
public static class CheckpointDownloader
{
    /// <summary>
    /// Every blob under <paramref name="prefix"/> must be a plain file name directly in it: a name with a slash, a
    /// backslash or <c>..</c> (written by a bug or by someone else with access) could otherwise write outside
    /// <paramref name="directory"/>. Checks every name before writing any file.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DownloadAsync(BlobContainerClient checkpoints, string prefix, string directory, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var blob in checkpoints.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            var name = blob.Name[prefix.Length..];
            if (!BlobPaths.IsPlainFileName(name))
                throw new InvalidOperationException($"Refusing to download '{checkpoints.Name}/{blob.Name}': '{name}' is not a plain file name inside {prefix}.");
            names.Add(name);
        }
        if (names.Count == 0) throw new InvalidOperationException($"Nothing under {checkpoints.Name}/{prefix}.");

        Directory.CreateDirectory(directory);
        foreach (var name in names)
            await checkpoints.GetBlobClient(prefix + name).DownloadToAsync(Path.Combine(directory, name), cancellationToken);
        return names;
    }
}
