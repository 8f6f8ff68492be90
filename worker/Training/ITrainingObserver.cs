namespace BertServerless.Worker.Training;

/// <summary>
/// What a <see cref="Trainer"/> tells whoever runs it. Two kinds of news, kept apart: progress ("step 120, loss 3.2",
/// at each log interval) and a fact ("the checkpoint of step 500 is complete on disk"). Both arrive on the training
/// thread, which waits for the handler: hand slow work (an upload) to another thread.
/// </summary>
public interface ITrainingObserver
{
    void OnProgress(TrainingProgress progress);

    /// <summary>
    /// A resumable checkpoint folder is whole and the trainer will not touch it again, so the observer may upload,
    /// move or delete it.
    /// </summary>
    void OnCheckpointWritten(CheckpointWritten checkpoint);
}

/// <summary>The step checkpoint of <paramref name="Step"/> (of <paramref name="TotalSteps"/>) is complete in <paramref name="Directory"/>.</summary>
public sealed record CheckpointWritten(int Step, int TotalSteps, string Directory);

/// <summary>An observer made of two handlers, run as the events happen (bertsl train, the benchmark, tests).</summary>
public sealed class InlineTrainingObserver(Action<TrainingProgress>? onProgress = null, Action<CheckpointWritten>? onCheckpointWritten = null) : ITrainingObserver
{
    public void OnProgress(TrainingProgress progress) => onProgress?.Invoke(progress);

    public void OnCheckpointWritten(CheckpointWritten checkpoint) => onCheckpointWritten?.Invoke(checkpoint);
}
