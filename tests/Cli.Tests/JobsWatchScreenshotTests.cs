using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using BertServerless.Cli.Monitoring;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using Spectre.Console;

namespace BertServerless.Cli.Tests;

/// <summary>
/// The README's picture of <c>bertsl jobs --watch</c>: the frame the command redraws (<see cref="LiveView.Frame"/> of
/// <see cref="JobsTable"/>), in colour through Spectre.Console's HTML export, photographed by headless Chromium.
/// The PNG is kept in the test output (artifacts/jobs-watch.png); docs/jobs-watch.png is a copy.
/// </summary>
public class JobsWatchScreenshotTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Jobs_watch_frame_renders_every_state_and_is_photographed()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run does).");
        var now = DateTimeOffset.UtcNow;
        JobSummary[] rows =
        [
            Job("sherlock-holmes-adventures.txt", now.AddMinutes(-4), s =>
            {
                s.MoveTo(JobState.Training, "Training on cuda:0.", now);
                s.Progress = new JobProgress { Step = 1840, TotalSteps = 4000, Loss = 3.9512, MlmAccuracy = 0.412, TokensPerSecond = 61230, EtaSeconds = 212 };
                s.Estimate = new TrainingEstimate { Device = "cuda:0", TotalSteps = 4000, SecondsPerStep = 0.1, Profile = "Consumption-GPU-NC8as-T4", Currency = "USD", HourlyPrice = 0.60, PricesDate = "2026-12-01" };
            }),
            Job("meditations.txt", now.AddMinutes(-38), s =>
            {
                s.MoveTo(JobState.Training, "Training on cuda:0.", now);
                s.Progress = new JobProgress { Step = 1200, TotalSteps = 1200, Loss = 2.8807, MlmAccuracy = 0.514, TokensPerSecond = 59874, EtaSeconds = 0 };
                s.MoveTo(JobState.Succeeded, "Trained.", now);
            }),
            Job("war-and-peace.txt", now.AddMinutes(-55), s =>
            {
                s.MoveTo(JobState.Training, "Training on cuda:0.", now);
                s.Progress = new JobProgress { Step = 700, TotalSteps = 9000, Loss = 5.1204, MlmAccuracy = 0.233, TokensPerSecond = 60102 };
                s.CancelRequested = now;
                s.Cancel("Cancelled at step 700.", now);
            }),
            Job("notes.txt", now.AddHours(-2), s => s.Fail("Upload metadata is invalid: max_len 1024 exceeds the model's 512 positions.", now)),
            Job("odyssey.txt", now.AddSeconds(-20), s => s.MoveTo(JobState.Preparing, "Splitting.", now)),
        ];

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.TrueColor,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(new StringWriter()),
        });
        console.Profile.Width = 200;
        var recorder = console.CreateRecorder();
        recorder.Write(LiveView.Frame(JobsTable.Build(rows, now)));
        var html = recorder.ExportHtml();
        Assert.Contains("war-and-peace.txt", html);
        Assert.Contains("Cancelled", html);
        Assert.Contains("1840/4000", html);
        Assert.Contains("6m40s, 0.07 USD", WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", ""))); // 4,000 steps × 0.1 s at 0.60 USD/h

        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
        var page = Path.Combine(artifacts, "jobs-watch.html");
        // A light terminal: dark text, monospace.
        await File.WriteAllTextAsync(page, $"<html><body style=\"margin:0;padding:10px;background:#fafafa;color:#222;font:13px/1.25 monospace\">{html}</body></html>");
        var screenshot = Path.Combine(artifacts, "jobs-watch.png");
        File.Delete(screenshot);
        await ScreenshotAsync(page, screenshot);
        Assert.True(new FileInfo(screenshot).Length > 5_000, "the screenshot is (nearly) empty");
    }

    private static JobSummary Job(string book, DateTimeOffset created, Action<JobStatus> change)
    {
        var status = JobStatus.New(JobIds.For(book, new Azure.ETag("0x8DD" + book.Length)), new BookSource(StorageNames.BooksContainer, book, "\"e\"", 100), created);
        change(status);
        return JobSummary.From(status);
    }

    private static async Task ScreenshotAsync(string page, string png)
    {
        var start = new ProcessStartInfo(Chromium)
        {
            ArgumentList = { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--screenshot={png}", "--window-size=1480,200", new Uri(page).ToString() },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var chromium = Process.Start(start)!;
        var stderr = chromium.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await chromium.WaitForExitAsync(timeout.Token);
        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {chromium.ExitCode}): {await stderr}");
    }
}
