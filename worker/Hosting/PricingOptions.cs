using BertServerless.Shared.Jobs;

namespace BertServerless.Worker.Hosting;

/// <summary>
/// The price table a job's estimate is costed with, bound from section <see cref="SectionName"/>: the GPU profile this
/// worker runs on (the deployment sets it to its Container Apps workload profile), the hourly price of each profile
/// and when those prices were taken. Prices change and differ by region and agreement: the cost is an estimate.
/// </summary>
public sealed class PricingOptions
{
    public const string SectionName = "Pricing";

    /// <summary>The entry of <see cref="HourlyPrice"/> this worker is billed by; unset = no cost in the estimate, only time.</summary>
    public string? Profile { get; set; }

    public string Currency { get; set; } = "USD";

    /// <summary>When the prices were taken, or why they should not be trusted; shown with every cost.</summary>
    public string? PricesDate { get; set; }

    /// <summary>Price of one replica of each profile for one hour of running.</summary>
    public Dictionary<string, double> HourlyPrice { get; set; } = [];

    /// <summary>The estimate with this worker's price, when the table has one for its profile.</summary>
    public TrainingEstimate Price(TrainingEstimate estimate)
        => HourlyPrice.FirstOrDefault(p => string.Equals(p.Key, Profile, StringComparison.OrdinalIgnoreCase)) is { Key: { } profile, Value: var price }
            ? estimate with { Profile = profile, Currency = Currency, HourlyPrice = price, PricesDate = PricesDate }
            : estimate;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (HourlyPrice.FirstOrDefault(p => !(p.Value >= 0)) is { Key: { } bad } entry)
            throw new ArgumentException($"{SectionName}:HourlyPrice:{bad} must not be negative (got {entry.Value}).");
        if (string.IsNullOrWhiteSpace(Currency)) throw new ArgumentException($"{SectionName}:Currency must be set.");
    }
}
