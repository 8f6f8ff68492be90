using System.Globalization;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// What a job will take, measured by the worker before its first step: a few real steps timed on its device after a
/// warm-up (each phase of a two-phase run apart), times the job's steps; and, when the worker's price table has its
/// GPU profile, the cost of that time. An estimate: evaluation, checkpoint uploads and start-up are not in it, and
/// the prices are as of <see cref="PricesDate"/>. <see cref="Describe"/> is the one way every display words it.
/// </summary>
public sealed record TrainingEstimate
{
    public required string Device { get; init; }
    public int TotalSteps { get; init; }
    /// <summary>Of <see cref="TotalSteps"/>, those trained on the phase2_max_len shards.</summary>
    public int Phase2Steps { get; init; }
    public double SecondsPerStep { get; init; }
    public double? Phase2SecondsPerStep { get; init; }
    public int WarmupSteps { get; init; }
    public int TimedSteps { get; init; }

    public double ExpectedSeconds => (TotalSteps - Phase2Steps) * SecondsPerStep + Phase2Steps * (Phase2SecondsPerStep ?? SecondsPerStep);

    /// <summary>The price table's profile this worker runs on (e.g. Consumption-GPU-NC8as-T4); null when none is configured.</summary>
    public string? Profile { get; init; }
    public string? Currency { get; init; }
    public double? HourlyPrice { get; init; }
    /// <summary>When the prices were taken, or why they are not to be trusted; prices change, so the estimate says which it used.</summary>
    public string? PricesDate { get; init; }

    public double? ExpectedCost => HourlyPrice * ExpectedSeconds / 3600;

    /// <summary>The <see cref="Describe"/> line, stored with the numbers so that a reader of status.json (the dashboard) words it the same.</summary>
    public string Summary => Describe();

    /// <summary><c>1,200 steps × 0.850 s on cuda:0 ≈ 00:17:00; ≈ 0.40 USD at 1.40 USD/h (Consumption-GPU-NC8as-T4, prices of 2026-12-01)</c>.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var time = Phase2Steps > 0
            ? string.Create(c, $"{TotalSteps - Phase2Steps:N0} steps × {SecondsPerStep:F3} s + {Phase2Steps:N0} phase-2 steps × {Phase2SecondsPerStep:F3} s")
            : string.Create(c, $"{TotalSteps:N0} steps × {SecondsPerStep:F3} s");
        var line = string.Create(c, $"{time} on {Device} ≈ {TimeSpan.FromSeconds(Math.Round(ExpectedSeconds)):c}");
        if (ExpectedCost is { } cost)
            line += string.Create(c, $"; ≈ {cost:F2} {Currency} at {HourlyPrice:F2} {Currency}/h ({Profile}, prices of {PricesDate})");
        return line;
    }
}
