namespace BertServerless.Worker.Hosting;

/// <summary>
/// How the worker host takes jobs from <c>training-jobs</c> and where it keeps their files; bound from section
/// <see cref="SectionName"/>. What to train (preset, epochs, …) is not here: each job carries its recipe in its status;
/// nor where (device, bf16, threads, log interval): that is <see cref="Training.TrainingHardware"/>, bound from the same section.
/// </summary>
public sealed class TrainingWorkerOptions
{
    public const string SectionName = "TrainingWorker";

    /// <summary>
    /// How long a received message stays hidden while its job runs (the visibility timeout of each receive and
    /// renewal); renewed every third of it for as long as the job runs. Not host.json's visibilityTimeout, which is
    /// the delay before a retry: that is <see cref="RetryDelay"/>.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait between polls of an empty queue.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A message received this often without success goes to <c>training-jobs-poison</c> and its job fails.</summary>
    public int MaxDequeueCount { get; set; } = 3;

    /// <summary>After a failed attempt, the message becomes visible again after this long.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Least time between two progress writes to <c>status.json</c>: each is a read and a write of the blob.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stop the process once the queue is empty. A Container Apps job execution is started per message and billed
    /// while it runs, so the container exits when its work is done; in-process hosts keep polling.
    /// </summary>
    public bool ExitWhenIdle { get; set; }

    /// <summary>Local folder for shards, downloaded models and outputs, one subfolder per job, removed when the job succeeds.</summary>
    public string CacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "bertsl-worker");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        Require(LeaseDuration >= TimeSpan.FromSeconds(1) && LeaseDuration <= TimeSpan.FromDays(7), nameof(LeaseDuration), "must lie between 1 second and 7 days (the queue's limits)");
        Require(PollInterval > TimeSpan.Zero, nameof(PollInterval), "must be positive");
        Require(MaxDequeueCount >= 1, nameof(MaxDequeueCount), "must be at least 1");
        Require(RetryDelay >= TimeSpan.Zero && RetryDelay <= TimeSpan.FromDays(7), nameof(RetryDelay), "must lie between 0 and 7 days");
        Require(StatusInterval >= TimeSpan.Zero, nameof(StatusInterval), "must not be negative");
        Require(!string.IsNullOrWhiteSpace(CacheDirectory), nameof(CacheDirectory), "must be set");
    }

    private static void Require(bool condition, string name, string rule)
    {
        if (!condition) throw new ArgumentException($"{SectionName}:{name} {rule}.");
    }
}
