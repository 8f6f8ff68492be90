namespace BertServerless.Worker.Hosting;

/// <summary>
/// Which training failures another attempt cannot fix: bad input (a base model that is missing or does not load, a
/// vocabulary that does not match the shards, a corrupt shard, a recipe that cannot run). They fail the job on the
/// first attempt, saying why; anything else (storage timeouts, throttling, a full disk) is transient and retried.
/// </summary>
public static class PermanentErrors
{
    public static bool IsPermanent(Exception error) => error is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException;
}
