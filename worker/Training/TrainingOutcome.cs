namespace BertServerless.Worker.Training;

/// <summary>How a call to <see cref="Trainer.Train"/> ended: the final state, whether it was cancelled, and the checkpoint it left.</summary>
public sealed record TrainingOutcome(TrainerState State, bool Cancelled, string Checkpoint);
