using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using BertServerless.Shared.Storage;

namespace BertServerless.Functions.Tests;

/// <summary>
/// Injects storage faults into a real client's pipeline: requests that <see cref="Matches"/> fail while
/// <see cref="Remaining"/> is above zero (or always, at -1), either before they leave (<see cref="AfterServer"/>
/// false: an outage) or after the server applied them (true: the reply is lost). Added per call, outside the SDK's
/// retry policy, a fault reaches the caller as storage would after its retries; added per retry
/// (<paramref name="insideRetries"/>), it is a transport error the SDK retries itself.
/// </summary>
public sealed class StorageFault(Func<HttpMessage, bool> matches, int times, bool afterServer, bool insideRetries = false) : HttpPipelinePolicy
{
    private int _remaining = times;
    private int _injected;

    public Func<HttpMessage, bool> Matches { get; } = matches;
    public bool AfterServer { get; } = afterServer;
    public bool InsideRetries { get; } = insideRetries;
    public int Remaining { get => Volatile.Read(ref _remaining); set => Volatile.Write(ref _remaining, value); }
    public int Injected => Volatile.Read(ref _injected);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        // The book reader reads the blob stream synchronously.
        var fail = Matches(message) && Take();
        if (fail && !AfterServer) throw Fault(message);
        ProcessNext(message, pipeline);
        if (fail) throw Fault(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var fail = Matches(message) && Take();
        if (fail && !AfterServer) throw Fault(message);
        await ProcessNextAsync(message, pipeline);
        if (fail) throw Fault(message);
    }

    public static Func<HttpMessage, bool> Request(string method, string pathContains)
        => m => m.Request.Method.Method == method && m.Request.Uri.Path.Contains(pathContains, StringComparison.Ordinal);

    private bool Take()
    {
        while (true)
        {
            var remaining = Remaining;
            if (remaining == 0) return false;
            if (remaining < 0 || Interlocked.CompareExchange(ref _remaining, remaining - 1, remaining) == remaining)
            {
                Interlocked.Increment(ref _injected);
                return true;
            }
        }
    }

    /// <summary>The pipeline's storage on <paramref name="connectionString"/>, every client carrying <paramref name="faults"/>.</summary>
    public static PipelineStorage Storage(string connectionString, params StorageFault[] faults)
    {
        var blobOptions = new BlobClientOptions();
        var queueOptions = StorageQueues.Options();
        foreach (var fault in faults)
        {
            var position = fault.InsideRetries ? HttpPipelinePosition.PerRetry : HttpPipelinePosition.PerCall;
            blobOptions.AddPolicy(fault, position);
            queueOptions.AddPolicy(fault, position);
        }
        return new PipelineStorage(new BlobServiceClient(connectionString, blobOptions), new QueueServiceClient(connectionString, queueOptions), createsResources: true);
    }

    private Exception Fault(HttpMessage message)
    {
        var text = $"Injected fault ({(AfterServer ? "reply lost" : "request lost")}): {message.Request.Method} {message.Request.Uri}";
        return InsideRetries ? new IOException(text) : new RequestFailedException(text);
    }
}
