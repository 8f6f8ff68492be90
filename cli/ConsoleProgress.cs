using System.Diagnostics;
using BertServerless.Shared;
using BertServerless.Shared.Prep;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>Shows prep progress: a live bar in a terminal, a plain line every few seconds when output is redirected (CI, logs).</summary>
public static class ConsoleProgress
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public static bool IsInteractive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static async Task<T> RunAsync<T>(string title, long totalBytes, Func<IProgress<PrepProgress>, Task<T>> work)
    {
        if (IsInteractive)
        {
            return await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(title), maxValue: Math.Max(totalBytes, 1));
                    var result = await work(new InlineProgress<PrepProgress>(p => task.Value = p.BytesRead));
                    task.Value = task.MaxValue;
                    return result;
                });
        }

        var clock = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        return await work(new InlineProgress<PrepProgress>(p =>
        {
            if (clock.Elapsed - lastLine < PlainInterval) return;
            lastLine = clock.Elapsed;
            var rate = p.BytesRead / clock.Elapsed.TotalSeconds;
            var eta = rate > 0 ? TimeSpan.FromSeconds((totalBytes - p.BytesRead) / rate) : TimeSpan.Zero;
            Console.WriteLine($"{title}: {p.BytesRead / 1e6:F1}/{totalBytes / 1e6:F1} MB ({100.0 * p.BytesRead / Math.Max(totalBytes, 1):F0}%), "
                              + $"{p.Stats.Sequences:N0} sequences, {rate / 1e6:F2} MB/s, ETA {eta:hh\\:mm\\:ss}");
        }));
    }
}
