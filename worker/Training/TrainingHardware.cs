using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Where and how visibly a run trains, as opposed to what it trains (the <see cref="Shared.Training.TrainingRecipe"/>):
/// the worker binds it from its <c>TrainingWorker</c> section, <c>bertsl train</c> from its flags. A resumed run takes
/// these from whoever resumes it, so a checkpoint written on a CPU continues on a GPU.
/// </summary>
public sealed class TrainingHardware
{
    /// <summary><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>CPU threads for libtorch; 0 leaves its default (one per core).</summary>
    public int Threads { get; set; }

    /// <summary>Optimizer steps between progress reports, the only points where the loop waits for the device.</summary>
    public int LogEvery { get; set; } = 10;

    /// <summary>Collate the next step's batches on another thread while a step runs (<see cref="BatchPrefetcher"/>); the batches are the same either way.</summary>
    public bool PrefetchBatches { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (Threads < 0) throw new ArgumentException($"Threads must be 0 (libtorch default) or positive (got {Threads}).");
        if (LogEvery < 1) throw new ArgumentException($"LogEvery must be at least 1 (got {LogEvery}).");
    }

    /// <summary>Sets libtorch's thread count and returns the device to train on (which precision runs there is the <see cref="Trainer"/>'s choice).</summary>
    public Device Prepare()
    {
        Validate();
        if (Threads > 0) set_num_threads(Threads);
        return TrainingDevice.Resolve(Device);
    }
}
