using System.Globalization;

namespace BertServerless.Shared.Training;

/// <summary>
/// The one layout of a training run's output, the same in a local <c>--out</c> folder and under
/// <c>checkpoints/{jobId}/</c>:
/// <code>
/// step-000500/  config.json model.safetensors vocab.txt tokenizer_config.json trainer_state.json loss.png optimizer.safetensors
/// final/        config.json model.safetensors vocab.txt tokenizer_config.json trainer_state.json loss.png README.md
/// eval.json     held-out metrics before and after
/// latest.json   (storage only) the newest complete checkpoint, written after its files
/// </code>
/// A step folder resumes exactly; <c>final/</c> has no optimizer moments, since nothing resumes a finished run. Every
/// folder is written under <see cref="PartialSuffix"/> and renamed when whole, so one that exists is complete.
/// </summary>
public static class CheckpointLayout
{
    // Hugging Face's names, so the folders load with from_pretrained and BertTokenizer.
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string ShardedWeightsIndexFile = "model.safetensors.index.json";
    public const string PickleWeightsFile = "pytorch_model.bin";
    public const string VocabFile = "vocab.txt";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string TrainerStateFile = "trainer_state.json";

    /// <summary>The model card, in Hugging Face's form, in <c>final/</c>.</summary>
    public const string ModelCardFile = "README.md";

    // Ours: AdamW's moments keyed by parameter name, the loss curve, and the run's evaluation.
    public const string LossPlotFile = "loss.png";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string EvalFile = "eval.json";
    public const string LatestFile = "latest.json";

    public const string FinalFolder = "final";
    public const string PartialSuffix = ".partial";

    private const string StepPrefix = "step-";

    /// <summary><c>step-000500</c>: zero-padded so folder names sort in step order.</summary>
    public static string StepFolder(int step) => StepPrefix + step.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Files a model is taken from when it is a starting point: not the optimizer moments, which nothing trains on from.</summary>
    public static bool IsNeededForBaseModel(string fileName) => fileName != OptimizerFile;

    /// <summary>
    /// Writes a checkpoint folder through <paramref name="write"/> into <c>{directory}.partial</c>, then renames it to
    /// <paramref name="directory"/>, replacing an older folder of that name: a crash never leaves a folder that looks
    /// whole but is not.
    /// </summary>
    public static void WriteFolder(string directory, Action<string> write)
    {
        var partial = directory + PartialSuffix;
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        write(partial);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.Move(partial, directory);
    }
}
