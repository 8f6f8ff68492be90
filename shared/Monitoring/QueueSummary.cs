namespace BertServerless.Shared.Monitoring;

/// <summary>
/// One queue at a glance. <paramref name="ApproximateDepth"/> is the service's approximate count (it includes messages
/// hidden while being worked on); the oldest message is the first visible one, as a peek sees it.
/// </summary>
public sealed record QueueSummary(
    string Name,
    bool IsPoison,
    bool Exists,
    int ApproximateDepth,
    DateTimeOffset? OldestMessageInserted,
    double? OldestMessageAgeSeconds)
{
    /// <summary>A poison queue holding anything is a failure someone should look at.</summary>
    public bool NeedsAttention => IsPoison && ApproximateDepth > 0;
}
