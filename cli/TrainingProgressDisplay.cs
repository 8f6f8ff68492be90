using BertServerless.Shared;
using BertServerless.Shared.Jobs;
using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>
/// The one training progress display, for <c>bertsl train</c> and for following a job: a live bar in a terminal, a
/// plain line per new report otherwise (CI, logs), both worded by <see cref="JobProgress.Describe"/>.
/// </summary>
public static class TrainingProgressDisplay
{
    public static async Task<T> RunAsync<T>(Func<IProgress<JobProgress>, Task<T>> work)
    {
        if (!ConsoleProgress.IsInteractive)
        {
            long? lastStep = null;
            return await work(new InlineProgress<JobProgress>(p =>
            {
                // A followed job's status shows one report until the worker writes the next: print each report once.
                if (p.Step == lastStep) return;
                lastStep = p.Step;
                Console.WriteLine(p.Describe());
            }));
        }

        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("training");
                return await work(new InlineProgress<JobProgress>(p =>
                {
                    if (p.TotalSteps > 0) bar.MaxValue = p.TotalSteps;
                    bar.Value = p.Step;
                    bar.Description = Markup.Escape(p.Describe());
                }));
            });
    }
}
