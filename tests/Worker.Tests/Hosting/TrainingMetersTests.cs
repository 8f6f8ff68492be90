using System.Diagnostics.Metrics;
using BertServerless.Shared.Telemetry;
using BertServerless.Worker.Hosting;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Hosting;

public sealed class TrainingMetersTests
{
    [Fact]
    public void Record_progress_reports_emit_step_time_between_reports_and_tokens_per_second()
    {
        var measured = new List<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BertTelemetry.Name) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (measured) measured.Add((instrument.Name, value));
        });
        listener.Start();

        var meters = new TrainingMeters();
        // A resumed job: its first report is at global step 52 after 4 s of this attempt, which says nothing about a step's time.
        meters.Record(Progress(step: 52, elapsedSeconds: 4, tokensPerSecond: 1234.5));
        meters.Record(Progress(step: 60, elapsedSeconds: 6, tokensPerSecond: 2345.5));

        lock (measured)
        {
            Assert.Contains(("bertsl.training.tokens_per_second", 1234.5), measured);
            Assert.Contains(("bertsl.training.tokens_per_second", 2345.5), measured);
            Assert.Contains(("bertsl.training.step.duration", 0.25), measured); // (6 s - 4 s) / 8 steps
            Assert.DoesNotContain(measured, m => m.Instrument == "bertsl.training.step.duration" && m.Value != 0.25);
        }
    }

    private static TrainingProgress Progress(int step, double elapsedSeconds, double tokensPerSecond)
        => new(step, 100, 0.5, new TrainingMetrics(step, 8, 7.5, 0.5, 0.1, 0.6, 1e-4, 1), tokensPerSecond,
            TimeSpan.FromSeconds(elapsedSeconds), TimeSpan.FromSeconds(30));
}
