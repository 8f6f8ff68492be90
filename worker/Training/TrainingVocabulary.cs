using System.Security.Cryptography;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;

namespace BertServerless.Worker.Training;

/// <summary>
/// The vocabulary rule, for <c>bertsl train</c>, <c>bertsl eval</c> and the worker alike. Token ids mean nothing under
/// another vocabulary, so: the vocabulary travels with the model (a user's file, else the resumed or base model's
/// vocab.txt, else bert-base-uncased); it must be the one the shards were prepared with (the SHA-256 and size prep
/// stamped into their metadata); and it must have exactly the model's vocab_size tokens.
/// </summary>
public static class TrainingVocabulary
{
    /// <summary>
    /// <paramref name="userFile"/> if given, else the vocab.txt prep wrote beside the shards (a domain vocabulary),
    /// else <paramref name="modelDirectory"/>'s vocab.txt (the checkpoint being resumed or the base model), else the
    /// bundled bert-base-uncased.
    /// </summary>
    public static string Select(string? userFile, string? shardsDirectory, string? modelDirectory)
    {
        if (userFile is not null) return userFile;
        return new[] { shardsDirectory, modelDirectory }
            .Where(d => d is not null)
            .Select(d => Path.Combine(d!, CheckpointLayout.VocabFile))
            .FirstOrDefault(File.Exists) ?? DefaultFile();
    }

    /// <summary>Returns the vocabulary's size (one token a line); throws <see cref="InvalidDataException"/> unless the shards were prepared with it.</summary>
    public static int CheckFitsShards(string vocabPath, IReadOnlyDictionary<string, string> shardMetadata)
    {
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"Vocabulary '{vocabPath}' does not exist.", vocabPath);
        var size = File.ReadLines(vocabPath).Count();
        if (shardMetadata.TryGetValue(ShardFormat.Meta.VocabSha256, out var expectedHash)
            && !string.Equals(expectedHash, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(vocabPath))), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Vocabulary '{vocabPath}' is not the one the shards were prepared with (their vocab_sha256 is {expectedHash}).");
        CheckSize(size, shardMetadata, $"Vocabulary '{vocabPath}' has");
        return size;
    }

    /// <summary>Fails unless the vocabulary file has exactly vocab_size lines, one token each, as BertTokenizer reads it.</summary>
    public static void CheckFitsModel(string vocabPath, int modelVocabSize)
    {
        var tokens = File.ReadLines(vocabPath).Count();
        if (tokens != modelVocabSize)
            throw new InvalidDataException(
                $"'{vocabPath}' has {tokens} tokens but the model's vocab_size is {modelVocabSize}: they must match, or token ids would index the wrong embeddings.");
    }

    /// <summary>Fails unless a model of <paramref name="modelVocabSize"/> tokens can read the shards (for a model that brings no vocab.txt to compare).</summary>
    public static void CheckModelFitsShards(int modelVocabSize, IReadOnlyDictionary<string, string> shardMetadata)
        => CheckSize(modelVocabSize, shardMetadata, "The model has a vocabulary of");

    /// <summary>Fails unless every shard was prepared with the same vocabulary.</summary>
    public static void CheckShardsAgree(IEnumerable<IReadOnlyDictionary<string, string>> shardMetadata)
    {
        var all = shardMetadata.ToArray();
        foreach (var key in new[] { ShardFormat.Meta.VocabSha256, ShardFormat.Meta.VocabSize })
        {
            var values = all.Select(m => m.GetValueOrDefault(key)).Distinct().ToArray();
            if (values.Length > 1)
                throw new InvalidDataException($"The shards disagree on {key} ({string.Join(", ", values.Select(v => v ?? "missing"))}): they were prepared with different vocabularies.");
        }
    }

    /// <summary>The bert-base-uncased vocabulary embedded in the shared library, as a file (checkpoints copy vocab.txt from a path), written to the temp folder once per content hash.</summary>
    public static string DefaultFile()
    {
        var vocabulary = BertTokenization.Default;
        var path = Path.Combine(Path.GetTempPath(), $"bertsl-vocab-{vocabulary.VocabSha256[..16]}.txt");
        if (!File.Exists(path))
        {
            // Written aside and moved, so a concurrent reader never sees half a file.
            var partial = path + "." + Environment.ProcessId;
            File.WriteAllBytes(partial, vocabulary.VocabBytes.ToArray());
            File.Move(partial, path, overwrite: true);
        }
        return path;
    }

    private static void CheckSize(int size, IReadOnlyDictionary<string, string> shardMetadata, string subject)
    {
        if (shardMetadata.TryGetValue(ShardFormat.Meta.VocabSize, out var expected) && expected != size.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{subject} {size} tokens, the shards were prepared with {expected}.");
    }
}
