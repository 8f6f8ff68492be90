using BertServerless.Shared.Tokenization;

namespace BertServerless.Worker.Training;

/// <summary>
/// The bert-base-uncased vocabulary embedded in the shared library, as a file: checkpoints copy vocab.txt from a path,
/// and a job that names no vocabulary trains on shards prepared with this one.
/// </summary>
public static class DefaultVocabulary
{
    /// <summary>Writes the vocabulary to the temp folder (once per content hash) and returns its path.</summary>
    public static string FilePath()
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
}
