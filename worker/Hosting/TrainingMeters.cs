using BertServerless.Shared.Telemetry;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// Turns one job's progress reports into <see cref="BertTelemetry"/>'s training metrics. Step time is measured between
/// two reports, since a report's elapsed time counts from the start of this attempt but its step from the job's
/// start (a resumed job's first report would otherwise look fast).
/// </summary>
public sealed class TrainingMeters
{
    private TrainingProgress? _previous;

    public void Record(TrainingProgress progress)
    {
        if (double.IsFinite(progress.TokensPerSecond) && progress.TokensPerSecond > 0) BertTelemetry.TokensPerSecond.Record(progress.TokensPerSecond);
        if (_previous is { } previous && progress.Step > previous.Step && progress.Elapsed >= previous.Elapsed)
            BertTelemetry.StepDuration.Record((progress.Elapsed - previous.Elapsed).TotalSeconds / (progress.Step - previous.Step));
        _previous = progress;
    }
}
