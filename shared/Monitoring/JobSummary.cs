using BertServerless.Shared.Jobs;

namespace BertServerless.Shared.Monitoring;

/// <summary>
/// One row of the jobs list: what a user scans for (where each job is, how training goes, what it will take, what
/// failed). The estimate is the worker's (<see cref="TrainingEstimate"/>): training time, and cost where it has prices.
/// </summary>
public sealed record JobSummary(
    string JobId,
    string Book,
    JobState State,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    long? Step,
    long? TotalSteps,
    double? Loss,
    double? MlmAccuracy,
    double? TokensPerSecond,
    double? EtaSeconds,
    string? Error,
    bool CancelRequested,
    double? EstimateSeconds,
    double? EstimateCost,
    string? Currency)
{
    public static JobSummary From(JobStatus status) => new(
        status.JobId, status.Source.Name, status.State, status.Created, status.Updated,
        status.Progress?.Step, status.Progress?.TotalSteps, status.Progress?.Loss, status.Progress?.MlmAccuracy,
        status.Progress?.TokensPerSecond, status.Progress?.EtaSeconds, status.Error, status.CancelRequested is not null,
        status.Estimate?.ExpectedSeconds, status.Estimate?.ExpectedCost, status.Estimate?.Currency);
}
