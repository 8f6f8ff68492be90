using System.Security.Cryptography;
using BertServerless.Shared.Shards;

namespace BertServerless.Worker.Training;

/// <summary>
/// Makes sure a vocabulary file is the one the shards were tokenised with: token ids mean nothing under another.
/// Compares the SHA-256 and size the prep step stamped into the shards' metadata, where present.
/// </summary>
public static class VocabularyCheck
{
    /// <summary>Returns the vocabulary's size (one token a line); throws an <see cref="InvalidDataException"/> on a mismatch.</summary>
    public static int Check(string vocabPath, IReadOnlyDictionary<string, string> shardMetadata)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"Vocabulary '{vocabPath}' does not exist.", vocabPath);
        var bytes = File.ReadAllBytes(vocabPath);
        var size = File.ReadLines(vocabPath).Count();
        if (shardMetadata.TryGetValue(ShardFormat.Meta.VocabSha256, out var expectedHash)
            && !string.Equals(expectedHash, Convert.ToHexStringLower(SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Vocabulary '{vocabPath}' is not the one the shards were prepared with (their vocab_sha256 is {expectedHash}).");
        if (shardMetadata.TryGetValue(ShardFormat.Meta.VocabSize, out var expectedSize) && expectedSize != size.ToString())
            throw new InvalidDataException($"Vocabulary '{vocabPath}' has {size} tokens, the shards were prepared with {expectedSize}.");
        return size;
    }
}
