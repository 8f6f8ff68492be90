using Azure.Storage.Blobs.Models;
using BertServerless.Cli.Local;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BertServerless.Worker.Tests.Hosting;

/// <summary>
/// One real Azurite for the worker's end-to-end tests. Each test builds hosts on it the way <c>bertsl run</c> does:
/// the local Functions runner and the training worker side by side, or either alone. Settings keep a run to seconds:
/// sequences of 128 tokens in shards of 128 (so one small shard is held out), the tiny preset, 6 steps with a checkpoint every 3, a 3-second lease.
/// </summary>
public sealed class WorkerAzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private IServiceProvider? _storageServices;

    public string CacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "bertsl-worker-tests-" + Guid.NewGuid().ToString("N")[..8]);

    // On disk, not in memory: a storage outage stops the emulator and starts it again on the same data.
    private string StorageDirectory => CacheDirectory + "-azurite";
    public RecordingLoggerProvider Logs { get; } = new();
    public PipelineStorage Storage => _storageServices!.GetRequiredService<PipelineStorage>();
    public JobStatusStore Jobs => _storageServices!.GetRequiredService<JobStatusStore>();

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { Location = StorageDirectory });
        var services = new ServiceCollection().AddLogging();
        services.AddTrainingWorker(Configuration(_azurite.ConnectionString, new Dictionary<string, string?>()));
        _storageServices = services.BuildServiceProvider();
        await Storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_storageServices is IAsyncDisposable services) await services.DisposeAsync();
        if (_azurite is not null) await _azurite.DisposeAsync();
        if (Directory.Exists(CacheDirectory)) Directory.Delete(CacheDirectory, recursive: true);
        if (Directory.Exists(StorageDirectory)) Directory.Delete(StorageDirectory, recursive: true);
    }

    /// <summary>A storage outage: the emulator stops (its data kept) until <see cref="StartStorageAgainAsync"/>.</summary>
    public Task StopStorageAsync() => _azurite!.StopAsync();

    public Task StartStorageAgainAsync() => _azurite!.StartAgainAsync();

    /// <summary>A host with the local Functions runner and/or the training worker; <paramref name="settings"/> override the defaults above.</summary>
    public IHost BuildHost(bool functions = true, bool worker = true, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(_azurite!.ConnectionString, settings ?? new Dictionary<string, string?>()));
        builder.Logging.AddProvider(Logs).AddFilter("Azure", LogLevel.Warning);
        if (worker) builder.Services.AddTrainingWorker(builder.Configuration);
        if (functions) builder.Services.AddLocalFunctions(builder.Configuration);
        return builder.Build();
    }

    /// <summary>Starts <paramref name="host"/>, waits for <paramref name="done"/> and stops it again.</summary>
    public static async Task RunUntilAsync(IHost host, Func<Task<bool>> done, int seconds = 90)
    {
        await host.StartAsync();
        try
        {
            await WaitAsync(done, seconds);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    public static async Task WaitAsync(Func<Task<bool>> done, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Condition not met within {seconds} s.");
            await Task.Delay(100);
        }
    }

    /// <summary>Empties both training queues, so a test sees only its own messages.</summary>
    public async Task ClearTrainingQueuesAsync()
    {
        await Storage.TrainingJobs.ClearMessagesAsync();
        await Storage.TrainingJobsPoison.ClearMessagesAsync();
    }

    /// <summary>Uploads a book as a user would and returns the job id its ETag gives.</summary>
    public async Task<string> UploadAsync(string name, byte[] content, IDictionary<string, string>? metadata = null)
    {
        var response = await Storage.Books.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Metadata = metadata });
        return JobIds.For(name, response.Value.ETag);
    }

    public async Task<JobState?> StateAsync(string jobId) => (await Jobs.GetAsync(jobId, CancellationToken.None))?.State;

    public async Task<bool> IsFinishedAsync(string jobId) => await StateAsync(jobId) is JobState.Succeeded or JobState.Failed;

    /// <summary>Replaces the job's status with a fresh one in <paramref name="state"/>, same source and recipe, no result: as if it had just got there.</summary>
    public async Task RewindStatusAsync(string jobId, JobState state)
    {
        var finished = (await Jobs.GetAsync(jobId, CancellationToken.None))!;
        var rewound = JobStatus.New(jobId, finished.Source, DateTimeOffset.UtcNow);
        rewound.Training = finished.Training;
        rewound.MoveTo(state, "Rewound by the test.", DateTimeOffset.UtcNow);
        await Storage.Jobs.GetBlobClient(BlobPaths.Status(jobId)).UploadAsync(BinaryData.FromString(rewound.ToJson()), overwrite: true);
    }

    /// <summary>Messages in the queue, visible or not.</summary>
    public async Task<int> TrainingMessagesAsync() => (await Storage.TrainingJobs.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    public async Task<List<string>> PoisonedAsync()
        => [.. (await Storage.TrainingJobsPoison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString())];

    public async Task<List<string>> CheckpointBlobsAsync(string jobId)
    {
        var names = new List<string>();
        await foreach (var blob in Storage.Checkpoints.GetBlobsAsync(new GetBlobsOptions { Prefix = jobId + "/" }))
            names.Add(blob.Name[(jobId.Length + 1)..]);
        return names;
    }

    /// <summary>The settings above, with <paramref name="overrides"/>, as command-line arguments for a worker process.</summary>
    public IReadOnlyList<string> CommandLine(IDictionary<string, string?> overrides)
        => [.. Settings(_azurite!.ConnectionString, overrides).Select(s => $"--{s.Key}={s.Value}")];

    public static ShardsReady Parse(string message) => MessageJson.Parse<ShardsReady>(message);

    private IConfiguration Configuration(string connectionString, IDictionary<string, string?> settings)
        => new ConfigurationBuilder().AddInMemoryCollection(Settings(connectionString, settings)).Build();

    private Dictionary<string, string?> Settings(string connectionString, IDictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            [StorageNames.Connection] = connectionString,
            ["Prep:MaxLen"] = "128",
            ["Prep:ShardSize"] = "128",
            ["Training:Preset"] = "tiny",
            ["Training:Epochs"] = "1",
            ["Training:BatchSize"] = "8",
            ["Training:MaxSteps"] = "6",
            ["Training:SaveEvery"] = "3",
            ["LocalRunner:PollInterval"] = "00:00:00.200",
            ["LocalRunner:RetryDelay"] = "00:00:00.200",
            ["LocalRunner:Concurrency"] = "2",
            ["TrainingWorker:LeaseDuration"] = "00:00:03",
            ["TrainingWorker:PollInterval"] = "00:00:00.200",
            ["TrainingWorker:MaxDequeueCount"] = "2",
            ["TrainingWorker:RetryDelay"] = "00:00:00.200",
            ["TrainingWorker:StatusInterval"] = "00:00:00",
            ["TrainingWorker:Device"] = "cpu",
            ["TrainingWorker:LogEvery"] = "2",
            // One libtorch thread: on a small shared machine, more threads than free cores make each step many times slower.
            ["TrainingWorker:Threads"] = "1",
            ["TrainingWorker:CacheDirectory"] = CacheDirectory,
        };
        foreach (var (key, value) in overrides) settings[key] = value;
        return settings;
    }
}

// Not beside other tests: the worker sets libtorch's thread count, which is process-wide, and a test comparing two runs
// bit for bit (TrainerTests) fails when the count changes between them.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerAzuriteCollection : ICollectionFixture<WorkerAzuriteFixture>
{
    /// <summary>The tests share one Azurite and its queues, so they run one after another.</summary>
    public const string Name = "Worker Azurite";
}
