using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;

namespace BertServerless.Shared.Storage;

/// <summary>
/// Blob names inside the containers of <see cref="StorageNames"/>, all under the job id, so one job's files sit together
/// and a retry of any stage writes the same names again.
/// </summary>
public static class BlobPaths
{
    /// <summary>Jobs container: the job's state machine and history.</summary>
    public static string Status(string jobId) => $"{jobId}/status.json";

    /// <summary>Jobs container: the loss history, one JSON line per log interval, appended by the worker.</summary>
    public static string Metrics(string jobId) => $"{jobId}/metrics.jsonl";

    /// <summary>Jobs container: the <c>TrainingRequest</c> gate: claimed by the finisher that sends <c>ShardsReady</c>, then marked sent.</summary>
    public static string TrainingGate(string jobId) => $"{jobId}/training-requested";

    /// <summary>Jobs container: leased by the one trainer that may write the job's checkpoints; names the message it trains for.</summary>
    public static string TrainingOwner(string jobId) => $"{jobId}/training-owner";

    /// <summary>Jobs container: the vocabulary the job's shards and model use, when it is not the configured one (a domain vocabulary, a base model's own).</summary>
    public static string Vocabulary(string jobId) => $"{jobId}/{CheckpointLayout.VocabFile}";

    /// <summary>Jobs container: the words the domain vocabulary chose and the tokens they save.</summary>
    public static string DomainVocabularyReport(string jobId) => $"{jobId}/{Tokenization.DomainVocabulary.ReportFile}";

    /// <summary>Shards container: the prefix of everything prep writes for a job.</summary>
    public static string ShardsPrefix(string jobId) => $"{jobId}/";

    public static string Shard(string jobId, string fileName) => $"{jobId}/{fileName}";

    public static string Manifest(string jobId) => $"{jobId}/{ShardFormat.ManifestFileName}";

    /// <summary>Shards container: the folder of chunk texts and chunk completion markers.</summary>
    public static string ChunksPrefix(string jobId) => $"{jobId}/chunks/";

    /// <summary>One chunk of the book as text, one paragraph per line.</summary>
    public static string ChunkText(string jobId, int chunkIndex) => $"{ChunksPrefix(jobId)}chunk-{chunkIndex:D5}.txt";

    /// <summary>Written after a chunk's shards: its stats and shard entries. All markers present = prep done.</summary>
    public static string ChunkMarker(string jobId, int chunkIndex) => $"{ChunksPrefix(jobId)}chunk-{chunkIndex:D5}.json";

    public const string ChunkMarkerExtension = ".json";

    // Checkpoints container: a job's run in the same CheckpointLayout as a local output folder.

    /// <summary>Checkpoints container: a resumable checkpoint written at an intermediate optimizer step.</summary>
    public static string StepCheckpoint(string jobId, int step) => $"{jobId}/{CheckpointLayout.StepFolder(step)}/";

    /// <summary>Checkpoints container: the trained model in Hugging Face layout.</summary>
    public static string FinalCheckpoint(string jobId) => $"{jobId}/{CheckpointLayout.FinalFolder}/";

    /// <summary>Checkpoints container: names the newest complete checkpoint; written after all of its files.</summary>
    public static string LatestCheckpoint(string jobId) => $"{jobId}/{CheckpointLayout.LatestFile}";

    /// <summary>Checkpoints container: held-out metrics before and after training.</summary>
    public static string Eval(string jobId) => $"{jobId}/{CheckpointLayout.EvalFile}";

    /// <summary>
    /// Whether a blob's name below a folder prefix is a plain file name that may be written into a local folder: a
    /// name with a slash, a backslash, a NUL or <c>..</c> (a bug, or someone else with write access) could otherwise
    /// write outside it. The worker's mirror and the CLI's downloads both check with this.
    /// </summary>
    public static bool IsPlainFileName(string name)
        => name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0']) < 0 && Path.GetFileName(name) == name && !Path.IsPathRooted(name);
}
