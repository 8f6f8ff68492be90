using BertServerless.Cli.Local;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Monitoring.Tests;

/// <summary>
/// An Azurite of its own (the other suites' jobs and messages would change the counts), with the monitoring services
/// wired to it as the Functions app wires them, and helpers that write jobs as the pipeline stores them.
/// </summary>
public sealed class MonitoringAzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Fixture not started.");
    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Fixture not started.");
    public PipelineStorage Storage => Services.GetRequiredService<PipelineStorage>();
    public JobStatusStore Statuses => Services.GetRequiredService<JobStatusStore>();
    public JobCatalog Catalog => Services.GetRequiredService<JobCatalog>();
    public QueueMonitor Queues => Services.GetRequiredService<QueueMonitor>();
    public JobMetricsLog Metrics => Services.GetRequiredService<JobMetricsLog>();
    public MonitoringApi Api => Services.GetRequiredService<MonitoringApi>();

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [StorageNames.Connection] = _azurite.ConnectionString }).Build();
        _services = new ServiceCollection().AddBertMonitoring(configuration).BuildServiceProvider();
        await Storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        if (_azurite is not null) await _azurite.DisposeAsync();
    }

    /// <summary>Creates a job for a made-up upload <paramref name="book"/> and applies <paramref name="change"/>, as the stages would.</summary>
    public async Task<JobStatus> CreateJobAsync(string book, DateTimeOffset created, Action<JobStatus>? change = null)
    {
        var jobId = JobIds.For(book, new Azure.ETag(Guid.NewGuid().ToString()));
        Assert.True(await Statuses.TryCreateAsync(JobStatus.New(jobId, new BookSource(StorageNames.BooksContainer, book, "\"etag\"", 1234), created), CancellationToken.None));
        return change is null ? (await Statuses.GetAsync(jobId, CancellationToken.None))! : await Statuses.UpdateAsync(jobId, change, CancellationToken.None);
    }

    /// <summary>A job in training at step 40 of 100 with its estimate and a 4-point loss history, as the worker leaves it.</summary>
    public async Task<JobStatus> CreateTrainingJobAsync(string book, DateTimeOffset created)
    {
        var status = await CreateJobAsync(book, created, s =>
        {
            s.MoveTo(JobState.Preparing, "Splitting.", created);
            s.MoveTo(JobState.ReadyForTraining, "Shards ready.", created);
            s.MoveTo(JobState.Training, "Training on cpu.", created);
            s.Progress = new JobProgress { Step = 40, TotalSteps = 100, Loss = 7.25, MlmLoss = 6.5, NspLoss = 0.75, MlmAccuracy = 0.125, LearningRate = 4e-5, TokensPerSecond = 1500, EtaSeconds = 90 };
            s.Estimate = new TrainingEstimate
            {
                Device = "cuda:0 in bf16", TotalSteps = 100, SecondsPerStep = 0.9, WarmupSteps = 2, TimedSteps = 3,
                Profile = "Consumption-GPU-NC8as-T4", Currency = "USD", HourlyPrice = 0.6, PricesDate = "2026-12-03",
            };
        });
        JobMetricsPoint Point(long step, double mlm, double nsp, double lr) =>
            new(created.AddSeconds(step), step, mlm + nsp, mlm, nsp, 0.1, 0.5, lr, 1500);
        await Metrics.AppendAsync(status.JobId, [Point(10, 9.5, 0.9, 1e-5), Point(20, 8.25, 0.8, 2e-5)], CancellationToken.None);
        await Metrics.AppendAsync(status.JobId, [Point(30, 7.25, 0.78, 3e-5), Point(40, 6.5, 0.75, 4e-5)], CancellationToken.None);
        return status;
    }
}

[CollectionDefinition(Name)]
public sealed class MonitoringAzuriteCollection : ICollectionFixture<MonitoringAzuriteFixture>
{
    /// <summary>One Azurite, its queues shared: the tests run one after another.</summary>
    public const string Name = "MonitoringAzurite";
}
