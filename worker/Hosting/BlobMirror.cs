using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Storage;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// Copies blobs to local files, streaming each to disk beside its final name and moving it into place when whole.
/// A file already there is kept only when the blob's ETag is the one recorded when it was downloaded (in
/// <c>.mirror/{name}.etag</c> beside it), so a redelivered job does not download its shards again, and a cache never
/// serves stale bytes: a model or optimizer file has the same size at every step, so a size says nothing.
/// </summary>
public static class BlobMirror
{
    private const string SidecarFolder = ".mirror";

    /// <summary>
    /// Downloads <paramref name="blob"/> to <paramref name="path"/> unless the file there came from the blob's current
    /// version, <paramref name="etag"/> (asked of storage when not given); true when it downloaded.
    /// </summary>
    public static async Task<bool> DownloadAsync(BlobClient blob, string path, ETag? etag, CancellationToken cancellationToken)
    {
        var sidecar = SidecarPath(path);
        var current = etag ?? (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        if (File.Exists(path) && File.Exists(sidecar) && await File.ReadAllTextAsync(sidecar, cancellationToken) == Normalize(current)) return false;

        Directory.CreateDirectory(Path.GetDirectoryName(sidecar)!);
        // Gone first: a crash below must leave a file that is downloaded again, never an old record beside new bytes.
        File.Delete(sidecar);
        var partial = path + ".partial";
        var downloaded = await blob.DownloadToAsync(partial, cancellationToken);
        File.Move(partial, path, overwrite: true);
        // The ETag of the bytes received, which may be newer than the one listed.
        await File.WriteAllTextAsync(sidecar, downloaded.Headers.ETag is { } received ? Normalize(received) : "", cancellationToken);
        return true;
    }

    /// <summary>
    /// Mirrors the blobs directly under <paramref name="prefix"/> (not those in deeper folders) into
    /// <paramref name="directory"/>, those whose file name <paramref name="include"/> accepts. Returns how many blobs the prefix holds.
    /// </summary>
    public static async Task<int> DownloadFolderAsync(BlobContainerClient container, string prefix, string directory, Func<string, bool> include, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var item in container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = prefix, Delimiter = "/" }, cancellationToken))
        {
            if (!item.IsBlob) continue;
            count++;
            var name = item.Blob.Name[prefix.Length..];
            if (!include(name)) continue;
            await DownloadAsync(container.GetBlobClient(item.Blob.Name), LocalPath(directory, name), item.Blob.Properties.ETag, cancellationToken);
        }
        return count;
    }

    /// <summary>The path of <paramref name="fileName"/> in <paramref name="directory"/>; a name with a folder in it is refused, never followed.</summary>
    public static string LocalPath(string directory, string fileName)
    {
        if (!BlobPaths.IsPlainFileName(fileName))
            throw new InvalidDataException($"'{fileName}' is not a plain file name.");
        return Path.Combine(directory, fileName);
    }

    // Listings and properties give an ETag unquoted, download headers quoted: the same version either way.
    private static string Normalize(ETag etag) => etag.ToString().Trim('"');

    // In a folder of its own, so that whoever lists the mirrored files (a model loader, the shard reader) never meets it.
    private static string SidecarPath(string path) => Path.Combine(Path.GetDirectoryName(path)!, SidecarFolder, Path.GetFileName(path) + ".etag");
}
