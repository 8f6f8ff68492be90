namespace BertServerless.Shared.Jobs;

/// <summary>
/// The training knobs a job carries to the worker; defaults bound from configuration section <see cref="SectionName"/>,
/// overridable per upload through blob metadata (<see cref="JobOverrides"/>).
/// </summary>
public sealed class TrainingJobOptions
{
    public const string SectionName = "Training";

    /// <summary>Model size when no <see cref="BaseModel"/> is given; the worker owns the list of presets.</summary>
    public string Preset { get; set; } = "tiny";

    /// <summary>A Hugging Face checkpoint to continue from: a local directory or a checkpoints-container prefix.</summary>
    public string? BaseModel { get; set; }

    public int Epochs { get; set; } = 2;
    public int BatchSize { get; set; } = 16;

    /// <summary>5e-5, the low end of BERT's fine-tuning range: further pre-training should adapt, not overwrite.</summary>
    public double LearningRate { get; set; } = 5e-5;

    /// <summary>Stop after this many optimizer steps even if epochs remain (smoke runs, budgets).</summary>
    public int? MaxSteps { get; set; }

    public int Seed { get; set; } = 42;

    /// <summary>Write a checkpoint every this many steps (0: only the final one).</summary>
    public int SaveEvery { get; set; } = 500;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Preset), "Preset must not be empty.");
        Require(Epochs is >= 1 and <= 1000, $"Epochs must be between 1 and 1000 (got {Epochs}).");
        Require(BatchSize is >= 1 and <= 4096, $"BatchSize must be between 1 and 4096 (got {BatchSize}).");
        Require(LearningRate is > 0 and < 1, $"LearningRate must be between 0 and 1 (got {LearningRate}).");
        Require(MaxSteps is null or >= 1, $"MaxSteps must be at least 1 (got {MaxSteps}).");
        Require(SaveEvery >= 0, $"SaveEvery must be 0 or more (got {SaveEvery}).");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
