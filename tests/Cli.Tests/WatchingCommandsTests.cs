using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using BertServerless.Cli;
using BertServerless.Cli.Commands;
using BertServerless.Cli.Local;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;

namespace BertServerless.Cli.Tests;

/// <summary>An Azurite of their own with jobs written as the pipeline writes them, for the watching commands.</summary>
public sealed class WatchingAzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string Connection => _azurite!.ConnectionString;
    public PipelineStorage Storage { get; private set; } = null!;
    public JobStatus Training { get; private set; } = null!;
    public JobStatus Failed { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        Storage = new PipelineStorage(new BlobServiceClient(Connection), new QueueServiceClient(Connection, StorageQueues.Options()), createsResources: true);
        await Storage.EnsureCreatedAsync(CancellationToken.None);
        var store = new JobStatusStore(Storage.Jobs, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;

        Failed = await CreateAsync(store, "empty-book.txt", now.AddMinutes(-10), s => s.Fail("Book 'empty-book.txt' is empty.", now));
        Training = await CreateAsync(store, "meditations.txt", now.AddMinutes(-5), s =>
        {
            s.MoveTo(JobState.Preparing, "Splitting.", now);
            s.MoveTo(JobState.ReadyForTraining, "Shards ready.", now);
            s.MoveTo(JobState.Training, "Training on cpu.", now);
            s.Progress = new JobProgress { Step = 30, TotalSteps = 120, Loss = 8.5, MlmLoss = 7.75, NspLoss = 0.75, MlmAccuracy = 0.0625, TokensPerSecond = 2500, EtaSeconds = 75 };
            s.Estimate = new TrainingEstimate { Device = "cpu", TotalSteps = 120, SecondsPerStep = 0.5, WarmupSteps = 2, TimedSteps = 3 };
        });

        // A finished model and a step checkpoint, latest.json last, as the worker uploads them.
        foreach (var file in new[] { "config.json", "model.safetensors" })
        {
            await Storage.Checkpoints.UploadBlobAsync(BlobPaths.FinalCheckpoint(Training.JobId) + file, BinaryData.FromString("final " + file));
            await Storage.Checkpoints.UploadBlobAsync(BlobPaths.StepCheckpoint(Training.JobId, 20) + file, BinaryData.FromString("step 20 " + file));
        }
        await Storage.Checkpoints.UploadBlobAsync(BlobPaths.LatestCheckpoint(Training.JobId),
            BinaryData.FromString($$"""{"prefix":"{{BlobPaths.FinalCheckpoint(Training.JobId)}}","step":120,"total_steps":120,"final":true,"written":"{{now:O}}"}"""));
        // Blob names that are not plain file names: storage resolves "../" in a URL, but a backslash (a folder
        // separator on Windows) and a nested folder reach the listing as they are.
        await Storage.Checkpoints.UploadBlobAsync(BlobPaths.StepCheckpoint(Failed.JobId, 5) + "..\\..\\escape.txt", BinaryData.FromString("x"));
        await Storage.Checkpoints.UploadBlobAsync(BlobPaths.StepCheckpoint(Failed.JobId, 5) + "nested/config.json", BinaryData.FromString("x"));
    }

    private static async Task<JobStatus> CreateAsync(JobStatusStore store, string book, DateTimeOffset created, Action<JobStatus> change)
    {
        var jobId = JobIds.For(book, new Azure.ETag(Guid.NewGuid().ToString()));
        Assert.True(await store.TryCreateAsync(JobStatus.New(jobId, new BookSource(StorageNames.BooksContainer, book, "\"e\"", 100), created), CancellationToken.None));
        return await store.UpdateAsync(jobId, change, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}

/// <summary>bertsl jobs, queues, status, logs, download, cancel and resume through the real binary, against Azurite.</summary>
public class WatchingCommandsTests(WatchingAzuriteFixture azurite) : IClassFixture<WatchingAzuriteFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _work = Directory.CreateTempSubdirectory("bertsl-watch-").FullName;

    private Task<Bertsl.Result> RunAsync(params string[] args) => Bertsl.RunAsync(_work, Timeout, [.. args, "--connection", azurite.Connection]);

    [Fact]
    public async Task Jobs_json_lists_newest_first_with_progress()
    {
        var result = await RunAsync("jobs", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var rows = JsonNode.Parse(result.Stdout)!.AsArray();
        Assert.Equal([azurite.Training.JobId, azurite.Failed.JobId], rows.Select(r => r!["job_id"]!.GetValue<string>()));
        Assert.Equal(30, rows[0]!["step"]!.GetValue<int>());
        Assert.Equal(0.0625, rows[0]!["mlm_accuracy"]!.GetValue<double>());
        Assert.Equal("failed", rows[1]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_of_a_job_shows_its_estimate()
    {
        var result = await RunAsync("status", azurite.Training.JobId);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Matches(@"estimate\s+│\s+120 steps × 0\.500 s on cpu ≈ 00:01:00", result.Stdout);
    }

    [Fact]
    public async Task Jobs_table_filtered_by_state_shows_only_those_jobs()
    {
        var result = await RunAsync("jobs", "--state", "training");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("meditations.txt", result.Stdout);
        Assert.Contains("30/120", result.Stdout);
        Assert.Contains("2,500", result.Stdout);
        Assert.DoesNotContain("empty-book.txt", result.Stdout);
    }

    [Fact]
    public async Task Jobs_unknown_state_fails_naming_the_states()
    {
        var result = await RunAsync("jobs", "--state", "sleeping");
        Assert.Equal(2, result.ExitCode); // bad usage: CliErrors.BadInput
        Assert.Contains("'sleeping' is not a job state", result.Stderr);
    }

    [Fact]
    public async Task Queues_poison_message_exits_non_zero_and_empty_again_exits_zero()
    {
        var poison = azurite.Storage.PrepChunksPoison;
        await poison.SendMessageAsync("{}");
        try
        {
            var alarmed = await RunAsync("queues");
            Assert.Equal(CliErrors.PoisonMessages, alarmed.ExitCode);
            Assert.Contains("prep-chunks-poison", alarmed.Stdout);

            var overview = await RunAsync("status");
            Assert.Equal(CliErrors.PoisonMessages, overview.ExitCode);
            Assert.Contains("training-jobs", overview.Stdout);
            Assert.Contains("meditations.txt", overview.Stdout);
        }
        finally
        {
            await poison.ClearMessagesAsync();
        }
        var calm = await RunAsync("queues", "--json");
        Assert.Equal(0, calm.ExitCode);
        Assert.Equal(PipelineStorage.Queues, JsonNode.Parse(calm.Stdout)!.AsArray().Select(q => q!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Logs_prints_the_history_and_a_failed_job_exits_2()
    {
        var training = await RunAsync("logs", azurite.Training.JobId);
        Assert.Equal(0, training.ExitCode);
        Assert.Contains("Training on cpu.", training.Stdout);

        var failed = await RunAsync("logs", azurite.Failed.JobId, "--follow");
        Assert.Equal(1, failed.ExitCode); // the job failed: CliErrors.Failed
        Assert.Contains("is empty", failed.Stdout);
    }

    [Fact]
    public async Task Download_final_by_default_and_a_step_on_request()
    {
        var final = Path.Combine(_work, "final");
        var result = await RunAsync("download", azurite.Training.JobId, "--out", final);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("final config.json", File.ReadAllText(Path.Combine(final, "config.json")));

        var step = Path.Combine(_work, "step");
        result = await RunAsync("download", azurite.Training.JobId, "--step", "20", "--out", step);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("step 20 model.safetensors", File.ReadAllText(Path.Combine(step, "model.safetensors")));
    }

    [Fact]
    public async Task Download_blob_name_leaving_the_folder_is_refused_and_writes_nothing()
    {
        var target = Path.Combine(_work, "a", "b");
        var result = await RunAsync("download", azurite.Failed.JobId, "--step", "5", "--out", target);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not a plain file name", result.Stderr);
        Assert.False(File.Exists(Path.Combine(_work, "escape.txt")));
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Download_job_without_checkpoint_says_so()
    {
        var result = await RunAsync("download", azurite.Failed.JobId, "--out", Path.Combine(_work, "none"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no checkpoint yet", result.Stderr);
    }

    [Fact]
    public async Task Cancel_then_resume_records_and_withdraws_the_request_and_a_finished_job_is_refused()
    {
        var store = new JobStatusStore(azurite.Storage.Jobs, TimeProvider.System);
        var jobId = azurite.Training.JobId;

        var cancel = await RunAsync("cancel", jobId);
        Assert.True(cancel.ExitCode == 0, cancel.Stderr);
        Assert.Contains("cancel requested", cancel.Stdout);
        Assert.NotNull((await store.GetAsync(jobId, CancellationToken.None))!.CancelRequested);
        Assert.Contains("(cancel requested)", (await RunAsync("jobs")).Stdout);

        var resume = await RunAsync("resume", jobId);
        Assert.True(resume.ExitCode == 0, resume.Stderr);
        Assert.Contains("withdrawn", resume.Stdout);
        Assert.Null((await store.GetAsync(jobId, CancellationToken.None))!.CancelRequested);

        var again = await RunAsync("resume", jobId);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not cancelled", again.Stderr);
        var finished = await RunAsync("cancel", azurite.Failed.JobId);
        Assert.Equal(1, finished.ExitCode);
        Assert.Contains("has already finished", finished.Stderr);
    }

    [Theory]
    [InlineData("config.json", true)]
    [InlineData("../escape.txt", false)]
    [InlineData("sub/file", false)]
    [InlineData("..", false)]
    [InlineData("a\\b", false)]
    [InlineData("", false)]
    public void IsPlainFileName_only_names_without_folders(string name, bool plain)
        => Assert.Equal(plain, BlobPaths.IsPlainFileName(name));

    [Fact]
    public void QueueEndpoint_of_a_blob_endpoint_is_the_accounts_queue_endpoint()
    {
        Assert.Equal(new Uri("https://acct.queue.core.windows.net/"), MonitoringConnection.QueueEndpoint(new Uri("https://acct.blob.core.windows.net")));
        Assert.Throws<ArgumentException>(() => MonitoringConnection.QueueEndpoint(new Uri("http://127.0.0.1:10000/devstoreaccount1")));
    }
}
