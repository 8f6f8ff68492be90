namespace BertServerless.Shared;

/// <summary>
/// Runs the handler on the reporting thread, as the report happens. <see cref="Progress{T}"/> would post it to the
/// thread pool instead, where reports can arrive out of order and after the work has finished.
/// </summary>
public sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
