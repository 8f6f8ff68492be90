using Spectre.Console;

namespace BertServerless.Cli;

/// <summary>
/// The exit codes of every command, and the one way errors reach the user: one line on stderr, <c>error: …</c>, no
/// stack trace. 0: done. 1: the job failed, or something went wrong at run time (storage, a timeout). 2: bad usage or
/// bad input (an unknown flag, an option out of range, a missing or malformed file): fix the command and run it again.
/// 3: <c>bertsl queues</c> or <c>bertsl status</c> found a message in a poison queue (for a cron job to alert on).
/// 130: cancelled (Ctrl+C).
/// </summary>
public static class CliErrors
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int PoisonMessages = 3;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return Cancelled;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException)
        {
            // ArgumentException appends " (Parameter 'name')", which means nothing to the user.
            var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
            Console.Error.WriteLine($"error: {message}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failed;
        }
        catch (Exception e) when (e is Azure.RequestFailedException or AggregateException { InnerException: Azure.RequestFailedException or HttpRequestException })
        {
            // The Azure SDK gives up after its retries with an AggregateException whose message names the cause.
            Console.Error.WriteLine($"error: storage request failed: {e.Message}");
            return Failed;
        }
    }
}
