using System.Text;
using System.Text.Json;
using BertServerless.Shared.Jobs;

namespace BertServerless.Shared.Monitoring;

/// <summary>An HTTP answer of <see cref="MonitoringApi"/>, independent of the host that sends it (Functions, HttpListener, ASP.NET Core).</summary>
public sealed record ApiResponse(int StatusCode, string ContentType, byte[] Body)
{
    private static readonly JsonSerializerOptions Json = DocumentJson.CompactOptions;

    /// <summary>JSON in the pipeline's snake_case, as status.json.</summary>
    public static ApiResponse Ok<T>(T value) => new(200, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, Json));

    public static ApiResponse Error(int statusCode, string message)
        => new(statusCode, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(new { error = message }, Json));

    public static ApiResponse File(string contentType, byte[] body) => new(200, contentType, body);

    public string Text => Encoding.UTF8.GetString(Body);
}
