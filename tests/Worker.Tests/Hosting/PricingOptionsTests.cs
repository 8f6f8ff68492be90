using BertServerless.Shared.Jobs;
using BertServerless.Worker.Hosting;

namespace BertServerless.Worker.Tests.Hosting;

public class PricingOptionsTests
{
    private static readonly TrainingEstimate Timed = new()
    {
        Device = "cuda:0 in bf16", TotalSteps = 1000, Phase2Steps = 100, SecondsPerStep = 0.5, Phase2SecondsPerStep = 2.0, WarmupSteps = 2, TimedSteps = 3,
    };

    [Fact]
    public void Price_with_the_profile_in_the_table_costs_the_expected_time()
    {
        var pricing = new PricingOptions
        {
            Profile = "consumption-gpu-nc8as-t4", Currency = "EUR", PricesDate = "2026-12-03",
            HourlyPrice = new() { ["Consumption-GPU-NC8as-T4"] = 1.8, ["Consumption-GPU-NC24-A100"] = 9 },
        };

        var estimate = pricing.Price(Timed);

        Assert.Equal(900 * 0.5 + 100 * 2.0, estimate.ExpectedSeconds);
        Assert.Equal(1.8 * 650 / 3600, estimate.ExpectedCost!.Value, 12);
        Assert.Equal("900 steps × 0.500 s + 100 phase-2 steps × 2.000 s on cuda:0 in bf16 ≈ 00:10:50; ≈ 0.33 EUR at 1.80 EUR/h (Consumption-GPU-NC8as-T4, prices of 2026-12-03)",
            estimate.Describe());
    }

    [Fact]
    public void Price_without_a_price_for_the_profile_leaves_only_the_time()
    {
        var estimate = new PricingOptions { Profile = "Consumption-GPU-NC24-A100" }.Price(Timed);

        Assert.Null(estimate.ExpectedCost);
        Assert.EndsWith("≈ 00:10:50", estimate.Describe());
    }

    [Fact]
    public void Validate_negative_price_names_the_profile()
    {
        var pricing = new PricingOptions { HourlyPrice = new() { ["gpu-t4"] = -1 } };

        Assert.Equal("Pricing:HourlyPrice:gpu-t4 must not be negative (got -1).", Assert.Throws<ArgumentException>(pricing.Validate).Message);
    }
}
