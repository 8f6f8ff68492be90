using BertServerless.Shared.Training;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using Microsoft.Playwright;

namespace BertServerless.Monitoring.Tests;

/// <summary>
/// The dashboard in a real headless browser: Debian's chromium, driven by Playwright, reading the API on a loopback
/// listener backed by Azurite with a job in training. The screenshot is kept in the test output (artifacts/).
/// </summary>
[Collection(MonitoringAzuriteCollection.Name)]
public class DashboardBrowserTests(MonitoringAzuriteFixture azurite)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Dashboard_job_in_training_shows_table_queues_and_loss_curve()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run does).");
        var now = DateTimeOffset.UtcNow;
        var done = await azurite.CreateJobAsync("meditations.txt", now.AddMinutes(-30), s =>
        {
            s.MoveTo(JobState.Training, "Training on cpu.", now);
            s.Result = new JobResult
            {
                EvalBefore = new EvaluationResult(10.25, 0.69, 10.94, 28282.5, 0.02, 0.5, 64), EvalAfter = new EvaluationResult(6.5, 0.66, 7.16, 665.1, 0.2, 0.6, 64),
                ControlBefore = new EvaluationResult(9.5, 0.69, 10.19, 13359.7, 0.03, 0.5, 256), ControlAfter = new EvaluationResult(7.25, 0.68, 7.93, 1408.1, 0.1, 0.52, 256),
            };
            s.MoveTo(JobState.Succeeded, "Trained.", now);
        });
        var job = await azurite.CreateTrainingJobAsync("sherlock-holmes.txt", now);
        await azurite.Storage.PrepChunksPoison.SendMessageAsync("{\"job_id\":\"stuck-0123456789ab\"}");
        await using var server = MonitoringHttpServer.Start(azurite.Api);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 760 } });
        await page.GotoAsync(new Uri(server.BaseAddress, $"api/dashboard?job={job.JobId}").ToString());

        var row = page.Locator($"#jobs tbody tr[data-job='{job.JobId}']");
        await Assertions.Expect(row).ToContainTextAsync("sherlock-holmes.txt");
        var cells = await row.Locator("td").AllInnerTextsAsync();
        Assert.Equal(["training", "40/100", "7.2500", "0.125", "1,500"], cells.Skip(1).Take(5));

        await Assertions.Expect(page.Locator("#estimate")).ToHaveTextAsync(
            "estimate: 100 steps × 0.900 s on cuda:0 in bf16 ≈ 00:01:30; ≈ 0.01 USD at 0.60 USD/h (Consumption-GPU-NC8as-T4, prices of 2026-12-03)");

        var poison = page.Locator("#queues tr.poison-alert");
        await Assertions.Expect(poison).ToContainTextAsync("prep-chunks-poison");

        var mlm = page.Locator("#curve path.mlm");
        await Assertions.Expect(mlm).ToHaveCountAsync(1);
        var d = await mlm.GetAttributeAsync("d");
        Assert.Equal(4, d!.Count(c => c is 'M' or 'L'));
        // The curve falls: the last point sits lower in the chart (larger y) than the first.
        var ys = d!.Split(['M', 'L'], StringSplitOptions.RemoveEmptyEntries).Select(p => double.Parse(p.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.True(ys[^1] > ys[0], $"MLM loss curve does not fall: {d}");
        await Assertions.Expect(page.Locator("#curve path.nsp")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#curve path.lr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#problem")).ToBeHiddenAsync();

        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
        var screenshot = Path.Combine(artifacts, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000);

        // Another job, chosen in the table: its adaptation report, before and after on the book and on the control text.
        await page.Locator($"#jobs tbody tr[data-job='{done.JobId}']").ClickAsync();
        var mlmRow = page.Locator("#eval tbody tr", new PageLocatorOptions { HasText = "mlm_loss" });
        await Assertions.Expect(mlmRow).ToHaveTextAsync(new Regex(@"mlm_loss\s*10\.2500\s*6\.5000\s*9\.5000\s*7\.2500"));
        await Assertions.Expect(page.Locator("#eval thead")).ToContainTextAsync("control after");
        await Assertions.Expect(page.Locator("#curve")).ToContainTextAsync("no steps logged yet");
        await azurite.Storage.PrepChunksPoison.ClearMessagesAsync();
    }
}
