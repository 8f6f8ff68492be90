using Azure;

namespace BertServerless.Shared.Storage;

/// <summary>Which exceptions mean storage could not be reached or answered with an error: worth another try later.</summary>
public static class StorageFailures
{
    /// <summary>
    /// A storage error, a network error or a timeout; also the <see cref="AggregateException"/> the Azure SDK throws
    /// when its retries ran out on such errors (connection refused through a whole outage).
    /// </summary>
    public static bool IsStorageFailure(Exception error) => error switch
    {
        RequestFailedException or HttpRequestException or IOException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStorageFailure),
        _ => false,
    };
}
