using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertServerless.Shared.Contracts;

/// <summary>
/// JSON of the queue messages. Parsing is strict (every property present, none unknown, no nulls) so a malformed
/// message fails on its first delivery with a message that says what is wrong, and ends in the poison queue.
/// </summary>
public static class MessageJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static string Serialize<T>(T message) where T : class => JsonSerializer.Serialize(message, Json);

    /// <summary>Throws <see cref="InvalidDataException"/> naming the message type and the problem.</summary>
    public static T Parse<T>(string text) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json)
                   ?? throw new InvalidDataException($"Message is not a {typeof(T).Name}: it is JSON null.");
        }
        catch (JsonException e)
        {
            var shown = text.Length <= 200 ? text : text[..200] + "…";
            throw new InvalidDataException($"Message is not a {typeof(T).Name}: {e.Message} Message text: {shown}", e);
        }
    }
}
