using Spectre.Console;
using Spectre.Console.Rendering;

namespace BertServerless.Cli.Monitoring;

/// <summary>Writes a table to the console; into a pipe or file it is drawn wide, as a pipe has no width and wrapped cells break grep.</summary>
public static class TableOutput
{
    private const int PipeWidth = 240;

    public static void Write(IRenderable table)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, PipeWidth);
        AnsiConsole.Write(table);
    }
}
