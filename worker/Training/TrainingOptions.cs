namespace BertServerless.Worker.Training;

/// <summary>
/// Everything that shapes a training run, bound from the configuration section <c>Training</c>.
/// Defaults follow the tutorial this project grew from (AdamW, lr 5e-5, batch 16, 2 epochs, shuffled) plus the
/// habits of the Hugging Face Trainer (decoupled weight decay, warmup then linear decay, clipping at 1.0).
/// </summary>
public sealed class TrainingOptions
{
    // Optimisation
    public double LearningRate { get; set; } = 5e-5;
    public int BatchSize { get; set; } = 16;
    public int Epochs { get; set; } = 2;
    /// <summary>Stops after this many optimizer steps, and sizes the LR schedule to them; 0 = run all epochs.</summary>
    public int MaxSteps { get; set; }
    /// <summary>Micro-batches summed into one optimizer step: an effective batch of BatchSize × GradientAccumulation.</summary>
    public int GradientAccumulation { get; set; } = 1;
    /// <summary>Decoupled (AdamW) weight decay; biases and LayerNorm weights are exempt, as in Hugging Face and BERT's own code.</summary>
    public double WeightDecay { get; set; } = 0.01;
    /// <summary>Fraction of the total steps spent warming the LR up from 0, before it decays linearly back to 0.</summary>
    public double WarmupRatio { get; set; } = 0.1;
    public double AdamBeta1 { get; set; } = 0.9;
    public double AdamBeta2 { get; set; } = 0.999;
    public double AdamEpsilon { get; set; } = 1e-8;
    /// <summary>Global gradient-norm limit; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    // Data
    public bool Shuffle { get; set; } = true;
    /// <summary>Groups sequences of similar length into batches so dynamic padding wastes less; order stays seeded and resumable.</summary>
    public bool LengthBucketing { get; set; }
    /// <summary>Share of the sequences held out of training for evaluation when <see cref="EvalShardsDirectory"/> is not set (the last ones, in book order).</summary>
    public double EvalFraction { get; set; } = 0.1;
    /// <summary>A separate directory of evaluation shards; when set, every training shard is trained on.</summary>
    public string? EvalShardsDirectory { get; set; }

    // Reproducibility
    public int Seed { get; set; } = 42;

    // Bookkeeping
    public int LogEvery { get; set; } = 10;
    /// <summary>Writes a resumable checkpoint every this many optimizer steps; 0 = only at the end.</summary>
    public int SaveEvery { get; set; } = 500;

    // Hardware
    /// <summary><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";
    /// <summary>CPU threads for libtorch; 0 leaves its default (one per core).</summary>
    public int Threads { get; set; }
    /// <summary>Runs forward and backward on a bfloat16 copy of the model while fp32 master weights take the optimizer step. CUDA only.</summary>
    public bool Bf16 { get; set; }

    /// <summary>
    /// The options for resuming a run saved with these ones: everything that shapes the result (optimisation, data,
    /// seed) is kept, while hardware and bookkeeping come from <paramref name="current"/>, the resuming command's.
    /// </summary>
    public TrainingOptions ResumedWith(TrainingOptions current)
    {
        var resumed = (TrainingOptions)MemberwiseClone();
        resumed.Device = current.Device;
        resumed.Threads = current.Threads;
        resumed.Bf16 = current.Bf16;
        resumed.LogEvery = current.LogEvery;
        resumed.SaveEvery = current.SaveEvery;
        return resumed;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        Require(LearningRate > 0, nameof(LearningRate), "must be positive");
        Require(BatchSize > 0, nameof(BatchSize), "must be positive");
        Require(Epochs > 0, nameof(Epochs), "must be positive");
        Require(MaxSteps >= 0, nameof(MaxSteps), "must be 0 (no limit) or positive");
        Require(GradientAccumulation > 0, nameof(GradientAccumulation), "must be positive");
        Require(WeightDecay >= 0, nameof(WeightDecay), "must not be negative");
        Require(WarmupRatio is >= 0 and <= 1, nameof(WarmupRatio), "must lie in [0, 1]");
        Require(MaxGradNorm >= 0, nameof(MaxGradNorm), "must not be negative");
        Require(EvalFraction is >= 0 and < 1, nameof(EvalFraction), "must lie in [0, 1)");
        Require(LogEvery > 0, nameof(LogEvery), "must be positive");
        Require(SaveEvery >= 0, nameof(SaveEvery), "must be 0 (only at the end) or positive");
        Require(Threads >= 0, nameof(Threads), "must be 0 (libtorch default) or positive");
    }

    private static void Require(bool condition, string name, string rule)
    {
        if (!condition) throw new ArgumentException($"Training option {name} {rule}.");
    }
}
