using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// <c>checkpoints/{jobId}/latest.json</c>: the newest checkpoint whose files are all uploaded. It is written after
/// them, so whoever follows it (a user, or the worker resuming a redelivered job) never meets a half-written one.
/// </summary>
/// <param name="Prefix">The checkpoint's folder in the checkpoints container, ending in a slash.</param>
/// <param name="Final">True for the trained model; false for a step checkpoint, which can be resumed.</param>
public sealed record LatestCheckpoint(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("total_steps")] int TotalSteps,
    [property: JsonPropertyName("final")] bool Final,
    [property: JsonPropertyName("written")] DateTimeOffset Written)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LatestCheckpoint Parse(string json, string sourceName)
    {
        try
        {
            return JsonSerializer.Deserialize<LatestCheckpoint>(json, Json) ?? throw new InvalidDataException($"'{sourceName}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{sourceName}' is not a valid latest-checkpoint pointer: {e.Message}", e);
        }
    }
}
