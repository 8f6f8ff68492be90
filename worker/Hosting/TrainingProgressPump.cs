using System.Diagnostics;
using System.Threading.Channels;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Telemetry;
using BertServerless.Worker.Training;
using Microsoft.Extensions.Logging;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// The worker's <see cref="ITrainingObserver"/>: takes the trainer's events off the training thread and acts on them in
/// order on one background task. A checkpoint written is uploaded (then latest.json), and its local folder deleted,
/// which the trainer allows since it never touches a written checkpoint again; progress is written into the job
/// status at most once per <c>StatusInterval</c>, after appending each log interval's metrics since the last write to
/// the job's metrics log (<c>jobs/{jobId}/metrics.jsonl</c>). Each progress write returns the stored status, so it is
/// also where a user's cancel request is seen (<see cref="CancelRequested"/>) at no extra request. Training never waits
/// for storage; <see cref="CompleteAsync"/> waits for what is pending.
/// </summary>
public sealed class TrainingProgressPump : ITrainingObserver, IAsyncDisposable
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _jobId;
    private readonly JobStatusStore _jobs;
    private readonly CheckpointStore _checkpoints;
    private readonly TrainingOwner _owner;
    private readonly JobMetricsLog _metrics;
    private readonly List<JobMetricsPoint> _unwrittenPoints = [];
    private readonly TimeSpan _statusInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _pumping;
    private readonly CancellationTokenSource _cancelRequested = new();
    private readonly TrainingMeters _meters = new();
    private TrainingProgress? _unwritten;
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;

    public TrainingProgressPump(string jobId, JobStatusStore jobs, CheckpointStore checkpoints, TrainingOwner owner, TimeSpan statusInterval, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        _jobId = jobId;
        _jobs = jobs;
        _checkpoints = checkpoints;
        _owner = owner;
        _metrics = new JobMetricsLog(jobs.Container);
        _statusInterval = statusInterval;
        _time = time;
        _logger = logger;
        _pumping = Task.Run(() => PumpAsync(cancellationToken), CancellationToken.None);
    }

    /// <summary>Cancelled once a progress write finds the job's <see cref="JobStatus.CancelRequested"/> set.</summary>
    public CancellationToken CancelRequested => _cancelRequested.Token;

    /// <summary>Called on the training thread; only queues the event.</summary>
    public void OnProgress(TrainingProgress progress) => _events.Writer.TryWrite(progress);

    /// <summary>Called on the training thread; only queues the event.</summary>
    public void OnCheckpointWritten(CheckpointWritten checkpoint) => _events.Writer.TryWrite(checkpoint);

    /// <summary>Handles every event queued so far, then writes the latest progress if it was held back.</summary>
    public async Task CompleteAsync()
    {
        _events.Writer.TryComplete();
        await _pumping;
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        try
        {
            await _pumping;
        }
        catch (OperationCanceledException)
        {
            // The job was cancelled; whatever was pending is abandoned with it.
        }
        _cancelRequested.Dispose();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        await foreach (var item in _events.Reader.ReadAllAsync(cancellationToken))
        {
            switch (item)
            {
                case CheckpointWritten checkpoint:
                    await UploadCheckpointAsync(checkpoint, cancellationToken);
                    break;
                case TrainingProgress progress:
                    _meters.Record(progress);
                    _unwritten = progress;
                    _unwrittenPoints.Add(progress.ToMetricsPoint(_time.GetUtcNow()));
                    if (_time.GetUtcNow() - _lastWrite >= _statusInterval) await WriteProgressAsync(cancellationToken);
                    break;
            }
        }
        if (_unwritten is not null) await WriteProgressAsync(cancellationToken);
    }

    private async Task UploadCheckpointAsync(CheckpointWritten checkpoint, CancellationToken cancellationToken)
    {
        using var activity = BertTelemetry.StartJobActivity("UploadCheckpoint", _jobId)?.SetTag("bertsl.step", checkpoint.Step);
        var clock = Stopwatch.StartNew();
        try
        {
            var prefix = await _checkpoints.UploadStepAsync(_jobId, checkpoint, _owner, cancellationToken);
            BertTelemetry.CheckpointUpload.Record(clock.Elapsed.TotalSeconds);
            // Uploaded is enough: a resume downloads it again, and a long run would otherwise fill the disk.
            Directory.Delete(checkpoint.Directory, recursive: true);
            _logger.LogInformation("Job {JobId}: uploaded checkpoint {Prefix}", _jobId, prefix);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // latest.json still names the previous checkpoint, which is whole; the final upload decides the job.
            _logger.LogWarning(e, "Job {JobId}: uploading the checkpoint of step {Step} failed; latest.json keeps the previous one", _jobId, checkpoint.Step);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
        }
    }

    private async Task WriteProgressAsync(CancellationToken cancellationToken)
    {
        var progress = _unwritten!;
        _unwritten = null;
        _lastWrite = _time.GetUtcNow();
        try
        {
            // A trainer that lost the job must not move the status back to its own, older step.
            await _owner.EnsureHeldAsync(cancellationToken);
            // The history first: a curve that reaches the step the status shows.
            await _metrics.AppendAsync(_jobId, _unwrittenPoints, cancellationToken);
            _unwrittenPoints.Clear();
            var stored = await _jobs.UpdateAsync(_jobId, status => status.Progress = progress.ToJobProgress(), cancellationToken);
            if (stored.CancelRequested is not null && !_cancelRequested.IsCancellationRequested)
            {
                _logger.LogInformation("Job {JobId}: cancel requested at {Requested}; stopping at the end of the step", _jobId, stored.CancelRequested);
                await _cancelRequested.CancelAsync();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Progress is informational; the next report tries again.
            _logger.LogWarning(e, "Job {JobId}: writing progress at step {Step} failed", _jobId, progress.Step);
        }
    }
}
