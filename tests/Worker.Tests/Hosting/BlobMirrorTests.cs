using BertServerless.Worker.Hosting;

namespace BertServerless.Worker.Tests.Hosting;

/// <summary>The worker's local cache of blobs, on a real Azurite: kept while the blob is unchanged, never served stale.</summary>
[Collection(WorkerAzuriteCollection.Name)]
public sealed class BlobMirrorTests(WorkerAzuriteFixture azurite)
{
    private readonly string _prefix = "mirror-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task Download_unchangedBlob_keepsTheFile()
    {
        var blob = azurite.Storage.Checkpoints.GetBlobClient(_prefix + "model.safetensors");
        await blob.UploadAsync(BinaryData.FromString("weights of step 3"));
        var path = LocalPath("model.safetensors");

        Assert.True(await BlobMirror.DownloadAsync(blob, path, etag: null, CancellationToken.None));
        Assert.False(await BlobMirror.DownloadAsync(blob, path, etag: null, CancellationToken.None));
    }

    [Fact]
    public async Task Download_sameSizeDifferentContent_downloadsAgain()
    {
        var blob = azurite.Storage.Checkpoints.GetBlobClient(_prefix + "model.safetensors");
        await blob.UploadAsync(BinaryData.FromString("weights of step 3"));
        var path = LocalPath("model.safetensors");
        await BlobMirror.DownloadAsync(blob, path, etag: null, CancellationToken.None);

        await blob.UploadAsync(BinaryData.FromString("weights of step 6"), overwrite: true);

        Assert.True(await BlobMirror.DownloadAsync(blob, path, etag: null, CancellationToken.None));
        Assert.Equal("weights of step 6", File.ReadAllText(path));
    }

    [Fact]
    public async Task DownloadFolder_sameSizeDifferentContent_downloadsAgainAndListsOnlyTheBlobs()
    {
        var container = azurite.Storage.Checkpoints;
        await container.GetBlobClient(_prefix + "model.safetensors").UploadAsync(BinaryData.FromString("weights of step 3"));
        await container.GetBlobClient(_prefix + "config.json").UploadAsync(BinaryData.FromString("{}"));
        var directory = LocalPath("");
        await BlobMirror.DownloadFolderAsync(container, _prefix, directory, _ => true, CancellationToken.None);

        await container.GetBlobClient(_prefix + "model.safetensors").UploadAsync(BinaryData.FromString("weights of step 6"), overwrite: true);
        await BlobMirror.DownloadFolderAsync(container, _prefix, directory, _ => true, CancellationToken.None);

        Assert.Equal("weights of step 6", File.ReadAllText(Path.Combine(directory, "model.safetensors")));
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private string LocalPath(string name) => Path.Combine(azurite.CacheDirectory, _prefix, name);
}
