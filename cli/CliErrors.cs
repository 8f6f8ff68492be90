using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>Turns the errors a user can cause (bad input, missing files, bad options) into one clear line and a non-zero exit code.</summary>
public static class CliErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException
                                       or FormatException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is Azure.RequestFailedException or AggregateException { InnerException: Azure.RequestFailedException or HttpRequestException })
        {
            // The Azure SDK gives up after its retries with an AggregateException whose message names the cause.
            Console.Error.WriteLine($"error: storage request failed: {e.Message}");
            return 1;
        }
    }
}
