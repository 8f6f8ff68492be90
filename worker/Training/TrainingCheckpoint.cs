using BertServerless.Shared.Training;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Model;
using BertServerless.Worker.Reporting;
using TorchSharp.Modules;

namespace BertServerless.Worker.Training;

/// <summary>
/// A checkpoint folder of <see cref="CheckpointLayout"/>: the model in Hugging Face layout (loadable by transformers as
/// is) with <see cref="TrainerState"/> and its <see cref="LossPlot"/> beside it and, in a resumable step checkpoint, the
/// <see cref="OptimizerStateFile"/>.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>
    /// Writes the folder under a temporary name and renames it when complete (<see cref="CheckpointLayout.WriteFolder"/>).
    /// Without an optimizer (the final model) the folder holds no moments.
    /// </summary>
    public static void Save(string directory, BertForPreTraining model, TrainerState state, string vocabPath, FlatAdamW? optimizer)
        => CheckpointLayout.WriteFolder(directory, target =>
        {
            HfCheckpoint.Save(model, target, vocabPath);
            optimizer?.Save(Path.Combine(target, CheckpointLayout.OptimizerFile));
            state.Save(target);
            LossPlot.Save(state.LossHistory, $"step {state.GlobalStep} of {state.TotalSteps}", Path.Combine(target, CheckpointLayout.LossPlotFile));
        });

    /// <summary>Restores the optimizer moments of a checkpoint and returns its trainer state; the model is loaded by <see cref="HfCheckpoint.Load"/>.</summary>
    public static TrainerState Resume(string directory, FlatAdamW optimizer)
    {
        var state = TrainerState.Load(directory);
        optimizer.Load(Path.Combine(directory, CheckpointLayout.OptimizerFile));
        return state;
    }
}
