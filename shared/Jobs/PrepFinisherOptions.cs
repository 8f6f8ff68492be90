namespace BertServerless.Shared.Jobs;

/// <summary>How <see cref="PrepFinisher"/> hands a finished job to training; bound from section <see cref="SectionName"/>.</summary>
public sealed class PrepFinisherOptions
{
    public const string SectionName = "PrepFinisher";

    /// <summary>
    /// How long a claim on the training request protects its sender. A send takes milliseconds; a claim older than this
    /// was left by a crash or a lost reply and is taken over, so a job waits at most this long for its one message.
    /// Well under functionTimeout, because a finisher that finds a live claim waits for it.
    /// </summary>
    public TimeSpan SendClaimTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
