using System.Net;

namespace BertServerless.Shared.Monitoring;

/// <summary>
/// Serves <see cref="MonitoringApi"/> on <c>http://127.0.0.1:{port}/api/</c> with the BCL's HttpListener, for hosts
/// without the Functions runtime (tests, and <c>bertsl serve</c>). Loopback only, and so without keys.
/// </summary>
public sealed class MonitoringHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly MonitoringApi _api;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private MonitoringHttpServer(HttpListener listener, MonitoringApi api, Uri baseAddress)
    {
        _listener = listener;
        _api = api;
        BaseAddress = baseAddress;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The root, e.g. <c>http://127.0.0.1:5123/</c>; the routes are under <c>api/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts on <paramref name="port"/>, or on a free port when it is 0.</summary>
    public static MonitoringHttpServer Start(MonitoringApi api, int port = 0)
    {
        for (var attempt = 1; ; attempt++)
        {
            var chosen = port != 0 ? port : Random.Shared.Next(20_000, 60_000);
            var listener = new HttpListener();
            var baseAddress = new Uri($"http://127.0.0.1:{chosen}/");
            listener.Prefixes.Add(baseAddress.ToString());
            try
            {
                listener.Start();
                return new MonitoringHttpServer(listener, api, baseAddress);
            }
            catch (HttpListenerException) when (port == 0 && attempt < 10)
            {
                // Taken by someone else: try another.
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        ApiResponse response;
        try
        {
            response = path.StartsWith("/api/", StringComparison.Ordinal) || path == "/api"
                ? await _api.HandleAsync(request.HttpMethod, path[Math.Min(path.Length, 5)..], Query(request), _stop.Token)
                : path == "/" ? Redirect() : ApiResponse.Error(404, $"No route {path}.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The API's own errors are answers; anything else (storage down) is a 500 the page shows.
            response = ApiResponse.Error(500, e.Message);
        }
        catch (OperationCanceledException)
        {
            context.Response.Abort();
            return;
        }

        if (response.StatusCode == 302) context.Response.RedirectLocation = "/api/dashboard";
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        context.Response.Headers["Cache-Control"] = "no-store";
        try
        {
            await context.Response.OutputStream.WriteAsync(response.Body);
            context.Response.Close();
        }
        catch (HttpListenerException)
        {
            // The client went away.
        }
    }

    private static ApiResponse Redirect() => new(302, "text/plain", []);

    private static Dictionary<string, string?> Query(HttpListenerRequest request)
        => request.QueryString.AllKeys.OfType<string>().ToDictionary(k => k, k => request.QueryString[k]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _serving;
        _stop.Dispose();
    }
}
