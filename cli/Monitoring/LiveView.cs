using Spectre.Console;
using Spectre.Console.Rendering;

namespace BertServerless.Cli.Monitoring;

/// <summary>
/// <c>--watch</c>: redraws a view in place every few seconds until Ctrl-C, as <c>watch</c> or <c>kubectl get -w</c>
/// would. Ctrl-C is the normal way out, so it ends the watch with the last view's exit code, not as an error.
/// </summary>
public static class LiveView
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <param name="render">Reads and renders once; returns the view and the exit code it stands for.</param>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<(IRenderable View, int ExitCode)>> render, CancellationToken cancellationToken)
    {
        var (view, exitCode) = await render(cancellationToken);
        try
        {
            await AnsiConsole.Live(Frame(view)).AutoClear(false).StartAsync(async context =>
            {
                while (true)
                {
                    await Task.Delay(Interval, cancellationToken);
                    (view, exitCode) = await render(cancellationToken);
                    context.UpdateTarget(Frame(view));
                }
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the watch is over.
        }
        return exitCode;
    }

    /// <summary>What one redraw shows: the view, and when and how often it is redrawn.</summary>
    public static IRenderable Frame(IRenderable view)
        => new Rows(view, new Markup($"[grey]{DateTime.Now:HH:mm:ss}, every {Interval.TotalSeconds:0}s; Ctrl-C to stop[/]"));
}
