using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BertServerless.Shared.Telemetry;

/// <summary>
/// The pipeline's traces and metrics, under one name (<see cref="Name"/>) for the ActivitySource and the Meter alike.
/// They cost nothing until a listener subscribes: OpenTelemetry when <see cref="TelemetryServiceCollectionExtensions.AddBertTelemetry"/>
/// found a connection string, or a test's MeterListener. Metrics carry no job id (one series per job would not
/// aggregate); traces and log scopes do.
/// </summary>
public static class BertTelemetry
{
    public const string Name = "BertServerless";

    /// <summary>The trace tag and log scope key of a job's id.</summary>
    public const string JobIdTag = "bertsl.job_id";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>From a message's insertion to its receipt by a handler, tagged with the queue's name.</summary>
    public static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>("bertsl.queue.wait", "s", "Time a message waited on its queue before a handler received it");

    public static readonly Histogram<double> PrepDuration = Meter.CreateHistogram<double>("bertsl.prep.duration", "s", "Time to prepare one chunk of a book: tokenize, mask, pack and store its shards");

    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("bertsl.training.step.duration", "s", "Mean time of one optimizer step over a log interval");

    public static readonly Histogram<double> TokensPerSecond = Meter.CreateHistogram<double>("bertsl.training.tokens_per_second", "{token}/s", "Real (non-padding) tokens trained on per second over a log interval");

    public static readonly Histogram<double> CheckpointUpload = Meter.CreateHistogram<double>("bertsl.checkpoint.upload.duration", "s", "Time to upload one step checkpoint");

    /// <summary>A span for one piece of work on a job; null when nobody listens.</summary>
    public static Activity? StartJobActivity(string name, string jobId, ActivityKind kind = ActivityKind.Internal)
        => Source.StartActivity(name, kind)?.SetTag(JobIdTag, jobId);

    /// <summary>The state of a log scope that puts the job's id on every line logged inside it.</summary>
    public static Dictionary<string, object?> JobScope(string jobId) => new() { ["JobId"] = jobId };
}
