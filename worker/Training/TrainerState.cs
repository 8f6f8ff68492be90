using System.Text.Json.Serialization;
using BertServerless.Shared;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;

namespace BertServerless.Worker.Training;

/// <summary>
/// The part of a checkpoint that is neither weights nor optimizer moments (<c>trainer_state.json</c>, named as the
/// Hugging Face Trainer names its own): where the run stands, the recipe that shapes it, and its loss history.
/// The LR is a function of <see cref="GlobalStep"/>, and dropout's RNG is reseeded from the recipe's seed and the
/// step at every step, so this file plus the moments make resuming exact.
/// </summary>
public sealed class TrainerState
{
    /// <summary>Optimizer steps taken.</summary>
    public int GlobalStep { get; set; }
    public int TotalSteps { get; set; }
    /// <summary>The phase the next step trains in; <see cref="Position"/> is in that phase's data order.</summary>
    public TrainingPhase Phase { get; set; } = TrainingPhase.First;
    /// <summary>The next batch to train on.</summary>
    public DataPosition Position { get; set; }
    /// <summary>Sequences in the training set; a resumed run must see the same ones for its data order to mean anything.</summary>
    public int TrainSequences { get; set; }
    /// <summary>Sequences in the phase-2 training set of a two-phase run; null for one phase.</summary>
    public int? Phase2Sequences { get; set; }
    /// <summary>The recipe the run started with; a resumed run keeps it, so its data order and schedule match.</summary>
    [JsonRequired] public TrainingRecipe Recipe { get; set; } = new();
    public List<TrainingMetrics> LossHistory { get; set; } = [];
    /// <summary>The fp16 loss scaler where the run left it; null when the run trains without one.</summary>
    public LossScalerState? LossScaler { get; set; }

    public void Save(string directory) => DocumentJson.Write(Path.Combine(directory, CheckpointLayout.TrainerStateFile), this);

    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, CheckpointLayout.TrainerStateFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{directory}' is not a resumable checkpoint: it has no {CheckpointLayout.TrainerStateFile}.", path);
        return DocumentJson.Read<TrainerState>(path, "trainer state");
    }
}
