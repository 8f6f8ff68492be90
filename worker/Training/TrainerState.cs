using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertServerless.Worker.Training;

/// <summary>
/// The part of a checkpoint that is neither weights nor optimizer moments (<c>trainer_state.json</c>, named as the
/// Hugging Face Trainer names its own): where the run stands, the options that shape it, and its loss history.
/// The LR is a function of <see cref="GlobalStep"/>, and dropout's RNG is reseeded from <see cref="TrainingOptions.Seed"/>
/// and the step at every step, so this file plus the moments make resuming exact.
/// </summary>
public sealed class TrainerState
{
    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Optimizer steps taken.</summary>
    public int GlobalStep { get; set; }
    public int TotalSteps { get; set; }
    /// <summary>The next batch to train on.</summary>
    public DataPosition Position { get; set; }
    /// <summary>Sequences in the training set; a resumed run must see the same ones for its data order to mean anything.</summary>
    public int TrainSequences { get; set; }
    /// <summary>The options the run started with; a resumed run keeps them so its data order and schedule match.</summary>
    public TrainingOptions Options { get; set; } = new();
    public List<TrainingMetrics> LossHistory { get; set; } = [];

    public void Save(string directory)
        => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));

    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{directory}' is not a resumable checkpoint: it has no {FileName}.", path);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid trainer state: {e.Message}", e);
        }
    }
}
