using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Model;
using TorchSharp.Modules;

namespace BertServerless.Worker.Training;

/// <summary>
/// A resumable checkpoint: the model in Hugging Face layout (loadable by transformers as is) with, beside it,
/// <see cref="OptimizerStateFile"/> and <see cref="TrainerState"/>.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>Name of the intermediate checkpoint directory for a step, as the Hugging Face Trainer names it.</summary>
    public static string DirectoryName(int step) => $"checkpoint-{step}";

    /// <summary>
    /// Writes into <paramref name="directory"/>. A new directory is written under a temporary name and renamed when
    /// complete, so a crash never leaves a checkpoint that looks whole but is not.
    /// </summary>
    public static void Save(string directory, BertForPreTraining model, AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order, TrainerState state, string vocabPath)
    {
        var fresh = !Directory.Exists(directory);
        var target = fresh ? directory + ".partial" : directory;
        if (fresh && Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
        HfCheckpoint.Save(model, target, vocabPath);
        OptimizerStateFile.Save(optimizer, order, Path.Combine(target, OptimizerStateFile.FileName));
        state.Save(target);
        if (fresh) Directory.Move(target, directory);
    }

    /// <summary>Restores the optimizer moments of a checkpoint and returns its trainer state; the model is loaded by <see cref="HfCheckpoint.Load"/>.</summary>
    public static TrainerState Resume(string directory, AdamW optimizer, IReadOnlyList<(string Name, Parameter Param)> order)
    {
        var state = TrainerState.Load(directory);
        OptimizerStateFile.Load(optimizer, order, Path.Combine(directory, OptimizerStateFile.FileName));
        return state;
    }
}
