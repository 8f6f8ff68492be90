using System.Security.Cryptography;
using BertServerless.Shared.Shards;

namespace BertServerless.Worker.Training;

/// <summary>
/// The bert-base-uncased vocabulary embedded in the shared library, as a file: checkpoints copy vocab.txt from a path,
/// and a job that names no vocabulary trains on shards prepared with this one.
/// </summary>
public static class DefaultVocabulary
{
    private const string ResourceName = "bert-base-uncased-vocab.txt";

    /// <summary>Writes the vocabulary to the temp folder (once per content hash) and returns its path.</summary>
    public static string FilePath()
    {
        using var stream = typeof(ShardFormat).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"The shared library lacks its embedded {ResourceName}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"bertsl-vocab-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}.txt");
        if (!File.Exists(path))
        {
            var partial = path + "." + Environment.ProcessId;
            File.WriteAllBytes(partial, bytes);
            File.Move(partial, path, overwrite: true);
        }
        return path;
    }
}
