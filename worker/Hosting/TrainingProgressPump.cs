using System.Threading.Channels;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Worker.Training;
using Microsoft.Extensions.Logging;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// Takes the trainer's reports off the training thread and acts on them in order on one background task: uploads
/// each step checkpoint (then latest.json) and writes the progress into the job status, at most once per
/// <c>StatusInterval</c>, first appending each log interval's metrics since the last write to the job's metrics log
/// (<c>jobs/{jobId}/metrics.jsonl</c>). Training never waits for storage; <see cref="CompleteAsync"/> waits for what is pending.
/// </summary>
public sealed class TrainingProgressPump : IProgress<TrainingProgress>, IAsyncDisposable
{
    private readonly Channel<TrainingProgress> _reports = Channel.CreateUnbounded<TrainingProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _jobId;
    private readonly JobStatusStore _jobs;
    private readonly CheckpointStore _checkpoints;
    private readonly TimeSpan _statusInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JobMetricsLog _metrics;
    private readonly List<JobMetricsPoint> _unwrittenPoints = [];
    private readonly Task _pumping;
    private TrainingProgress? _unwritten;
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;

    public TrainingProgressPump(string jobId, JobStatusStore jobs, CheckpointStore checkpoints, TimeSpan statusInterval, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        _jobId = jobId;
        _jobs = jobs;
        _checkpoints = checkpoints;
        _statusInterval = statusInterval;
        _time = time;
        _logger = logger;
        _metrics = new JobMetricsLog(jobs.Container);
        _pumping = Task.Run(() => PumpAsync(cancellationToken), CancellationToken.None);
    }

    /// <summary>The newest step checkpoint uploaded (and named by latest.json), if any.</summary>
    public string? LastUploaded { get; private set; }

    /// <summary>Called on the training thread; only queues the report.</summary>
    public void Report(TrainingProgress value) => _reports.Writer.TryWrite(value);

    /// <summary>Handles every report queued so far, then writes the latest progress if it was held back.</summary>
    public async Task CompleteAsync()
    {
        _reports.Writer.TryComplete();
        await _pumping;
    }

    public async ValueTask DisposeAsync()
    {
        _reports.Writer.TryComplete();
        try
        {
            await _pumping;
        }
        catch (OperationCanceledException)
        {
            // The job was cancelled; whatever was pending is abandoned with it.
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        await foreach (var report in _reports.Reader.ReadAllAsync(cancellationToken))
        {
            if (report.Checkpoint is { } directory) await UploadCheckpointAsync(report, directory, cancellationToken);
            else if (report.Metrics is not null)
            {
                _unwritten = report;
                _unwrittenPoints.Add(ToPoint(report));
                if (_time.GetUtcNow() - _lastWrite >= _statusInterval) await WriteProgressAsync(cancellationToken);
            }
        }
        if (_unwritten is not null) await WriteProgressAsync(cancellationToken);
    }

    private async Task UploadCheckpointAsync(TrainingProgress report, string directory, CancellationToken cancellationToken)
    {
        try
        {
            LastUploaded = await _checkpoints.UploadStepAsync(_jobId, report.Step, report.TotalSteps, directory, cancellationToken);
            // Uploaded is enough: a resume downloads it again, and a long run would otherwise fill the disk.
            Directory.Delete(directory, recursive: true);
            _logger.LogInformation("Job {JobId}: uploaded checkpoint {Prefix}", _jobId, LastUploaded);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // latest.json still names the previous checkpoint, which is whole; the final upload decides the job.
            _logger.LogWarning(e, "Job {JobId}: uploading the checkpoint of step {Step} failed; latest.json keeps the previous one", _jobId, report.Step);
        }
    }

    private async Task WriteProgressAsync(CancellationToken cancellationToken)
    {
        var report = _unwritten!;
        _unwritten = null;
        _lastWrite = _time.GetUtcNow();
        try
        {
            // The history first: a curve that reaches the step the status shows.
            await _metrics.AppendAsync(_jobId, _unwrittenPoints, cancellationToken);
            _unwrittenPoints.Clear();
            await _jobs.UpdateAsync(_jobId, status => status.Progress = ToStatus(report), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Progress is informational; the next report tries again.
            _logger.LogWarning(e, "Job {JobId}: writing progress at step {Step} failed", _jobId, report.Step);
        }
    }

    /// <summary>The status's view of a report: the losses of the last log interval, throughput and time left.</summary>
    public static JobProgress ToStatus(TrainingProgress report) => new()
    {
        Step = report.Step,
        TotalSteps = report.TotalSteps,
        Loss = Finite(report.Metrics?.Loss),
        MlmLoss = Finite(report.Metrics?.MlmLoss),
        NspLoss = Finite(report.Metrics?.NspLoss),
        MlmAccuracy = Finite(report.Metrics?.MlmAccuracy),
        LearningRate = Finite(report.Metrics?.LearningRate),
        TokensPerSecond = Finite(report.TokensPerSecond),
        EtaSeconds = Finite(report.Remaining.TotalSeconds),
    };

    /// <summary>The metrics log's line for a report (a metrics report: <see cref="TrainingProgress.Metrics"/> is set).</summary>
    private JobMetricsPoint ToPoint(TrainingProgress report) => new(
        _time.GetUtcNow(), report.Step, Finite(report.Metrics?.Loss), Finite(report.Metrics?.MlmLoss), Finite(report.Metrics?.NspLoss),
        Finite(report.Metrics?.MlmAccuracy), Finite(report.Metrics?.NspAccuracy), Finite(report.Metrics?.LearningRate), Finite(report.TokensPerSecond));

    // JSON has no NaN: a diverged loss is shown as absent rather than failing every status write.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
