using BertServerless.Shared.Jobs;

namespace BertServerless.Shared.Monitoring;

/// <summary>Which jobs to list: those in <paramref name="State"/> (any when null), newest first, at most <paramref name="Limit"/>.</summary>
public sealed record JobQuery(JobState? State = null, int Limit = JobQuery.DefaultLimit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> for a limit outside 1..<see cref="MaxLimit"/>.</summary>
    public JobQuery Validated() => Limit is >= 1 and <= MaxLimit ? this
        : throw new ArgumentException($"limit must lie between 1 and {MaxLimit}, not {Limit}.");

    /// <summary>Parses a state name as status.json writes it (<c>training</c>, <c>ready_for_training</c>) or as the enum does.</summary>
    public static JobState ParseState(string text)
    {
        var name = text.Replace("_", "").Replace("-", "");
        return Enum.TryParse<JobState>(name, ignoreCase: true, out var state) && Enum.IsDefined(state) && !int.TryParse(name, out _) ? state
            : throw new ArgumentException($"'{text}' is not a job state; use one of {string.Join(", ", Enum.GetNames<JobState>().Select(n => n.ToLowerInvariant()))}.");
    }
}
