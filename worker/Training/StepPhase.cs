namespace BertServerless.Worker.Training;

/// <summary>The parts of <see cref="Trainer.Step"/> the benchmark times apart.</summary>
public enum StepPhase
{
    /// <summary>Collating the batch on the host (the caller's) and copying it to the device.</summary>
    Data,
    Forward,
    Backward,
    /// <summary>Pushing half-precision gradients to the master, unscaling, clipping, AdamW and zeroing the gradients.</summary>
    Optimizer,
}
