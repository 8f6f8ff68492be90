using System.Net;
using System.Web;
using BertServerless.Shared.Monitoring;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace BertServerless.Functions;

/// <summary>
/// The watching API and the dashboard under <c>/api/</c> (<see cref="MonitoringApi"/> has the routes). Function-level
/// keys in Azure; Core Tools does not check keys, so locally it is open, as on <c>bertsl serve</c>'s loopback listener.
/// </summary>
public sealed class MonitoringHttp(MonitoringApi api)
{
    /// <summary>One catch-all function so the routes are <see cref="MonitoringApi"/>'s alone, the same on every host.</summary>
    [Function(nameof(MonitoringHttp))]
    public async Task<HttpResponseData> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "{*path}")] HttpRequestData request,
        string? path,
        CancellationToken cancellationToken)
    {
        var parsed = HttpUtility.ParseQueryString(request.Url.Query);
        var query = parsed.AllKeys.OfType<string>().ToDictionary(k => k, k => parsed[k]);
        var answer = await api.HandleAsync(request.Method, path ?? "", query, cancellationToken);
        var response = request.CreateResponse((HttpStatusCode)answer.StatusCode);
        response.Headers.Add("Content-Type", answer.ContentType);
        response.Headers.Add("Cache-Control", "no-store");
        await response.Body.WriteAsync(answer.Body, cancellationToken);
        return response;
    }
}
