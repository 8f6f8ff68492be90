using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertServerless.Shared;

/// <summary>
/// The JSON of every document the pipeline writes (status.json, manifest.json, trainer_state.json, eval.json,
/// latest.json, config.json): snake_case names and enum values, as Hugging Face's files; nulls left out; indented.
/// Queue messages are the one exception (<see cref="Contracts.MessageJson"/>): strict and camelCase, as the Functions
/// bindings write them.
/// </summary>
public static class DocumentJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>The same names on one line: a metrics.jsonl line, an HTTP answer.</summary>
    public static JsonSerializerOptions CompactOptions { get; } = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and what it should have been.</summary>
    public static T Parse<T>(string json, string source, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"'{source}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{source}' is not a valid {what}: {e.Message}", e);
        }
    }

    public static T Read<T>(string path, string what) => Parse<T>(File.ReadAllText(path), path, what);

    public static void Write<T>(string path, T value) => File.WriteAllText(path, Serialize(value));
}
