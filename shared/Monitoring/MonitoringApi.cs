using BertServerless.Shared.Jobs;

namespace BertServerless.Shared.Monitoring;

/// <summary>
/// The watching routes, under <c>/api/</c>: <c>GET jobs?state=&amp;limit=</c>, <c>GET jobs/{id}</c>,
/// <c>GET jobs/{id}/metrics</c>, <c>GET queues</c>, <c>POST jobs/{id}/cancel</c>, <c>POST jobs/{id}/resume</c> and the dashboard page at
/// <c>GET dashboard</c>. Every host (the Functions app, a local listener) passes its requests here, so all serve the
/// same routes with the same answers.
/// </summary>
public sealed class MonitoringApi(JobCatalog jobs, QueueMonitor queues, CancelRequests cancels)
{
    /// <summary>Answers one request; <paramref name="path"/> is relative to <c>/api/</c> (e.g. <c>jobs/x-0123456789ab</c>).</summary>
    public async Task<ApiResponse> HandleAsync(string method, string path, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase);
        var post = string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase);
        try
        {
            return segments switch
            {
                ["jobs"] when get => ApiResponse.Ok(await ListJobsAsync(query, cancellationToken)),
                ["jobs", var id] when get => await GetJobAsync(id, cancellationToken),
                ["jobs", var id, "metrics"] when get => ApiResponse.Ok(await jobs.MetricsAsync(id, cancellationToken)),
                ["jobs", var id, "cancel"] when post => await CancelAsync(id, cancellationToken),
                ["jobs", var id, "resume"] when post => await ResumeAsync(id, cancellationToken),
                ["queues"] when get => ApiResponse.Ok(await queues.SummarizeAsync(cancellationToken)),
                [] or ["dashboard"] when get => DashboardPage.Get(DashboardPage.PageFile),
                ["dashboard", var file] when get => DashboardPage.Get(file),
                _ => ApiResponse.Error(404, $"No route {method} /api/{string.Join('/', segments)}."),
            };
        }
        catch (ArgumentException e)
        {
            return ApiResponse.Error(400, e.Message);
        }
    }

    private async Task<IReadOnlyList<JobSummary>> ListJobsAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        var state = query.GetValueOrDefault("state") is { Length: > 0 } s ? JobQuery.ParseState(s) : (JobState?)null;
        var limit = query.GetValueOrDefault("limit") is { Length: > 0 } l
            ? int.TryParse(l, out var n) ? n : throw new ArgumentException($"limit '{l}' is not a number.")
            : JobQuery.DefaultLimit;
        var statuses = await jobs.ListAsync(new JobQuery(state, limit), cancellationToken);
        return [.. statuses.Select(JobSummary.From)];
    }

    private async Task<ApiResponse> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        RequireJobId(jobId);
        return await jobs.GetAsync(jobId, cancellationToken) is { } status ? ApiResponse.Ok(status) : ApiResponse.Error(404, $"No job {jobId}.");
    }

    private async Task<ApiResponse> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        RequireJobId(jobId);
        return await cancels.RequestAsync(jobId, cancellationToken) switch
        {
            CancelOutcome.NotFound => ApiResponse.Error(404, $"No job {jobId}."),
            CancelOutcome.AlreadyFinished => ApiResponse.Error(409, $"Job {jobId} has already finished."),
            var outcome => ApiResponse.Ok(new { job_id = jobId, outcome = outcome.ToString() }),
        };
    }

    private async Task<ApiResponse> ResumeAsync(string jobId, CancellationToken cancellationToken)
    {
        RequireJobId(jobId);
        return await cancels.ResumeAsync(jobId, cancellationToken) switch
        {
            ResumeOutcome.NotFound => ApiResponse.Error(404, $"No job {jobId}."),
            ResumeOutcome.NotCancelled => ApiResponse.Error(409, $"Job {jobId} is not cancelled."),
            var outcome => ApiResponse.Ok(new { job_id = jobId, outcome = outcome.ToString() }),
        };
    }

    private static void RequireJobId(string jobId)
    {
        if (!JobIds.IsValid(jobId)) throw new ArgumentException($"'{jobId}' is not a job id.");
    }
}
