using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Cli.Local;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Functions.Tests;

/// <summary>One real Azurite for the whole suite, with the pipeline services wired to it as the Functions app wires them.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Fixture not started.");
    public PipelineStorage Storage => Services.GetRequiredService<PipelineStorage>();
    public JobStatusStore Jobs => Services.GetRequiredService<JobStatusStore>();
    public BookIntake Intake => Services.GetRequiredService<BookIntake>();
    public ChunkShardBuilder Builder => Services.GetRequiredService<ChunkShardBuilder>();
    public LocalFunctionsRunner Runner => Services.GetRequiredService<LocalFunctionsRunner>();

    // On disk, not in memory: a storage outage stops the emulator and starts it again on the same data.
    private readonly string _storageDirectory = Path.Combine(Path.GetTempPath(), "bertsl-functions-tests-azurite-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(new AzuriteOptions { Location = _storageDirectory });
        _services = BuildServices((services, configuration) => services.AddLocalFunctionsRunner(configuration));
        await Storage.EnsureCreatedAsync(CancellationToken.None);
    }

    /// <summary>
    /// A second container on the same Azurite, registered by <paramref name="register"/> (the Functions app's
    /// <c>AddBertFunctions</c>, or the local runner's) with the suite's settings and <paramref name="overrides"/>.
    /// </summary>
    public ServiceProvider BuildServices(Action<IServiceCollection, IConfiguration> register, IDictionary<string, string?>? overrides = null)
    {
        var configuration = Configuration(overrides);
        var services = new ServiceCollection().AddLogging().AddSingleton(configuration);
        register(services, configuration);
        return services.BuildServiceProvider();
    }

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Fixture not started.");

    /// <summary>The suite's settings, with <paramref name="overrides"/> on top.</summary>
    private IConfiguration Configuration(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [StorageNames.Connection] = ConnectionString,
            // Short sequences and small shards keep prep fast; overrides per upload go through blob metadata.
            ["Prep:MaxLen"] = "128",
            ["Prep:ShardSize"] = "512",
            ["LocalRunner:PollInterval"] = "00:00:00.200",
            ["LocalRunner:MaxDequeueCount"] = "2",
            ["LocalRunner:RetryDelay"] = "00:00:00.200",
            ["LocalRunner:Concurrency"] = "2",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        if (_azurite is not null) await _azurite.DisposeAsync();
        if (Directory.Exists(_storageDirectory)) Directory.Delete(_storageDirectory, recursive: true);
    }

    /// <summary>A storage outage: the emulator stops (its data kept) until <see cref="StartStorageAgainAsync"/>.</summary>
    public Task StopStorageAsync() => _azurite!.StopAsync();

    public Task StartStorageAgainAsync() => _azurite!.StartAgainAsync();

    /// <summary>Uploads a book as a user would and returns its blob and the job id its ETag gives.</summary>
    public async Task<(BlobClient Blob, string JobId)> UploadAsync(string name, byte[] content, IDictionary<string, string>? metadata = null)
    {
        var blob = Storage.Books.GetBlobClient(name);
        var response = await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Metadata = metadata });
        return (blob, JobIds.For(name, response.Value.ETag));
    }

    /// <summary>Runs the local runner until <paramref name="done"/> holds, failing after <paramref name="seconds"/>.</summary>
    public async Task RunUntilAsync(Func<Task<bool>> done, int seconds = 60)
    {
        using var stop = new CancellationTokenSource();
        var run = Runner.RunAsync(stop.Token);
        try
        {
            await WaitAsync(done, seconds);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    public static async Task WaitAsync(Func<Task<bool>> done, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Condition not met within {seconds} s.");
            await Task.Delay(100);
        }
    }

    public async Task<bool> IsFinishedPrepAsync(string jobId)
        => (await Jobs.GetAsync(jobId, CancellationToken.None))?.State is JobState.ReadyForTraining or JobState.Failed;

    /// <summary>The <see cref="ShardsReady"/> messages waiting for <paramref name="jobId"/> (peeked: left for others).</summary>
    public async Task<List<ShardsReady>> TrainingMessagesAsync(string jobId)
    {
        var peeked = (await Storage.TrainingJobs.PeekMessagesAsync(32)).Value;
        return [.. peeked.Select(m => MessageJson.Parse<ShardsReady>(m.Body.ToString())).Where(m => m.JobId == jobId)];
    }

    public async Task<int> PrepChunksWaitingAsync()
        => (await Storage.PrepChunks.PeekMessagesAsync(32)).Value.Length;
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Tests share one Azurite and its queues, so they run one after another.</summary>
    public const string Name = "Azurite";
}
