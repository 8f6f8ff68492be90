namespace BertServerless.Shared.Training;

/// <summary>
/// Every knob that shapes what a training run produces, one class from upload metadata to status.json to
/// trainer_state.json and <c>bertsl train</c>'s flags. Names follow <see cref="Knobs"/> (<c>learning_rate</c>,
/// <c>--learning-rate</c>). Defaults follow the tutorial this project grew from (AdamW, lr 5e-5, batch 16, 2 epochs,
/// shuffled) plus the habits of the Hugging Face Trainer (decoupled weight decay, warmup then linear decay, clipping
/// at 1.0). Where the run happens (device, threads, log interval) is not here: that is the worker's or the CLI's
/// hardware, and a resumed run keeps its recipe while taking the resuming caller's hardware. Precision is here, since
/// it changes the numbers a run produces; its default, auto, still follows whichever device resumes the run.
/// </summary>
public sealed class TrainingRecipe
{
    /// <summary>Configuration section of the defaults the Functions app and the worker start a job from.</summary>
    public const string SectionName = "Training";

    // Model
    /// <summary>A fresh model of this size (tiny, mini, small, base) or a config.json path, when no <see cref="BaseModel"/> is given.</summary>
    public string Preset { get; set; } = "base";

    /// <summary>A Hugging Face checkpoint to continue from: a local directory or a folder of the checkpoints container.</summary>
    public string? BaseModel { get; set; }

    // Optimisation
    public int Epochs { get; set; } = 2;
    public int BatchSize { get; set; } = 16;

    /// <summary>Peak LR. 5e-5, the low end of BERT's fine-tuning range: further pre-training should adapt, not overwrite.</summary>
    public double LearningRate { get; set; } = 5e-5;

    /// <summary>Stops after this many optimizer steps, and sizes the LR schedule to them; unset = run all epochs.</summary>
    public int? MaxSteps { get; set; }

    /// <summary>Fraction of the total steps spent warming the LR up from 0, before it decays linearly back to 0.</summary>
    public double WarmupRatio { get; set; } = 0.1;

    /// <summary>Decoupled (AdamW) weight decay; biases and LayerNorm weights are exempt, as in Hugging Face and BERT's own code.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Global gradient-norm limit; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>Micro-batches summed into one optimizer step: an effective batch of batch_size × gradient_accumulation.</summary>
    public int GradientAccumulation { get; set; } = 1;

    public double AdamBeta1 { get; set; } = 0.9;
    public double AdamBeta2 { get; set; } = 0.999;
    public double AdamEpsilon { get; set; } = 1e-8;

    /// <summary>The format forward and backward run in, with fp32 master weights; auto chooses by the device.</summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Auto;

    // Data
    public bool Shuffle { get; set; } = true;

    /// <summary>Groups sequences of similar length into batches so dynamic padding wastes less; order stays seeded and resumable.</summary>
    public bool LengthBucketing { get; set; }

    /// <summary>Share of the total steps trained last on the phase2_max_len shards (two-phase sequence length); 0 = one phase.</summary>
    public double Phase2Fraction { get; set; }

    /// <summary>Share of the sequences held out for evaluation when no separate evaluation shards are given (the last ones, in book order).</summary>
    public double EvalFraction { get; set; } = 0.1;

    // Reproducibility: initial weights, batch order and dropout all follow it.
    public int Seed { get; set; } = 42;

    /// <summary>Refuses the job before its first step when the worker's estimate of its cost is higher (in the price table's currency); unset = no limit.</summary>
    public double? MaxCost { get; set; }

    /// <summary>Writes a resumable checkpoint every this many optimizer steps; 0 = only the final one.</summary>
    public int SaveEvery { get; set; } = 500;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first knob that cannot work.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Preset), "preset must not be empty");
        Require(Epochs is >= 1 and <= 1000, $"epochs must be between 1 and 1000 (got {Epochs})");
        Require(BatchSize is >= 1 and <= 4096, $"batch_size must be between 1 and 4096 (got {BatchSize})");
        Require(LearningRate is > 0 and < 1, $"learning_rate must be between 0 and 1 (got {LearningRate})");
        Require(MaxSteps is null or >= 1, $"max_steps must be at least 1, or unset for all epochs (got {MaxSteps})");
        Require(WarmupRatio is >= 0 and <= 1, $"warmup_ratio must lie in [0, 1] (got {WarmupRatio})");
        Require(WeightDecay >= 0, $"weight_decay must not be negative (got {WeightDecay})");
        Require(MaxGradNorm >= 0, $"max_grad_norm must not be negative (got {MaxGradNorm})");
        Require(GradientAccumulation is >= 1 and <= 4096, $"gradient_accumulation must be between 1 and 4096 (got {GradientAccumulation})");
        Require(AdamBeta1 is >= 0 and < 1 && AdamBeta2 is >= 0 and < 1, "adam_beta1 and adam_beta2 must lie in [0, 1)");
        Require(Enum.IsDefined(Precision), $"precision must be one of auto, fp32, bf16, fp16 (got {Precision})");
        Require(AdamEpsilon > 0, $"adam_epsilon must be positive (got {AdamEpsilon})");
        Require(Phase2Fraction is >= 0 and < 1, $"phase2_fraction must lie in [0, 1) (got {Phase2Fraction})");
        Require(EvalFraction is >= 0 and < 1, $"eval_fraction must lie in [0, 1) (got {EvalFraction})");
        Require(MaxCost is null or > 0, $"max_cost must be positive, or unset for no limit (got {MaxCost})");
        Require(SaveEvery >= 0, $"save_every must be 0 (only the final checkpoint) or more (got {SaveEvery})");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message + ".");
    }
}
