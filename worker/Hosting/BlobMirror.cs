using BertServerless.Shared.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// Copies blobs to local files, streaming each to disk beside its final name and moving it into place when whole.
/// A file already there with the blob's size is kept, so a redelivered job does not download its shards again.
/// </summary>
public static class BlobMirror
{
    /// <summary>Downloads <paramref name="blob"/> to <paramref name="path"/> unless a file of <paramref name="bytes"/> bytes is there; true when it downloaded.</summary>
    public static async Task<bool> DownloadAsync(BlobClient blob, string path, long bytes, CancellationToken cancellationToken)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        await blob.DownloadToAsync(partial, cancellationToken);
        File.Move(partial, path, overwrite: true);
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
            await DownloadAsync(container.GetBlobClient(item.Blob.Name), LocalPath(directory, name), item.Blob.Properties.ContentLength ?? -1, cancellationToken);
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
}
