using BertServerless.Shared.Contracts;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Monitoring;
using BertServerless.Shared.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BertServerless.Monitoring.Tests;

[Collection(MonitoringAzuriteCollection.Name)]
public class JobCatalogTests(MonitoringAzuriteFixture azurite)
{
    [Fact]
    public async Task ListAsync_jobs_of_several_states_newest_first_filtered_and_limited()
    {
        var now = DateTimeOffset.UtcNow;
        var old = await azurite.CreateJobAsync("old-book.txt", now.AddHours(-3), s => s.Fail("Book is empty.", now.AddHours(-3)));
        var middle = await azurite.CreateTrainingJobAsync("middle-book.txt", now.AddHours(-2));
        var newest = await azurite.CreateJobAsync("new-book.txt", now.AddHours(-1));

        var all = await azurite.Catalog.ListAsync(new JobQuery(Limit: JobQuery.MaxLimit), CancellationToken.None);
        var ours = all.Where(s => s.JobId == old.JobId || s.JobId == middle.JobId || s.JobId == newest.JobId).Select(s => s.JobId).ToList();
        Assert.Equal([newest.JobId, middle.JobId, old.JobId], ours);
        Assert.Equal(all.OrderByDescending(s => s.Created).Select(s => s.JobId), all.Select(s => s.JobId));

        var failed = await azurite.Catalog.ListAsync(new JobQuery(JobState.Failed), CancellationToken.None);
        Assert.Contains(failed, s => s.JobId == old.JobId);
        Assert.All(failed, s => Assert.Equal(JobState.Failed, s.State));

        Assert.Single(await azurite.Catalog.ListAsync(new JobQuery(Limit: 1), CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_limit_out_of_range_is_refused()
        => await Assert.ThrowsAsync<ArgumentException>(() => azurite.Catalog.ListAsync(new JobQuery(Limit: 0), CancellationToken.None));

    [Fact]
    public async Task JobSummary_of_a_training_job_carries_its_progress()
    {
        var status = await azurite.CreateTrainingJobAsync("summary-book.txt", DateTimeOffset.UtcNow);
        var summary = JobSummary.From((await azurite.Catalog.GetAsync(status.JobId, CancellationToken.None))!);
        Assert.Equal(("summary-book.txt", JobState.Training, 40L, 100L, 0.125), (summary.Book, summary.State, summary.Step, summary.TotalSteps, summary.MlmAccuracy));
    }

    [Fact]
    public async Task MetricsAsync_reads_appended_blocks_in_step_order_later_duplicate_wins()
    {
        var status = await azurite.CreateTrainingJobAsync("metrics-book.txt", DateTimeOffset.UtcNow);
        // A resumed run logs step 40 again, with other values.
        await azurite.Metrics.AppendAsync(status.JobId, [new JobMetricsPoint(DateTimeOffset.UtcNow, 40, 6.9, 6.2, 0.7, 0.2, 0.6, 4e-5, 1600)], CancellationToken.None);

        var points = await azurite.Catalog.MetricsAsync(status.JobId, CancellationToken.None);
        Assert.Equal([10L, 20L, 30L, 40L], points.Select(p => p.Step));
        Assert.Equal(6.2, points[^1].MlmLoss);
        Assert.Equal(1e-5, points[0].LearningRate);
    }

    [Fact]
    public async Task MetricsAsync_job_without_history_is_empty()
    {
        var status = await azurite.CreateJobAsync("no-metrics.txt", DateTimeOffset.UtcNow);
        Assert.Empty(await azurite.Catalog.MetricsAsync(status.JobId, CancellationToken.None));
    }

    [Fact]
    public async Task CancelRequests_running_job_records_once_finished_job_refused()
    {
        var cancels = azurite.Services.GetRequiredService<CancelRequests>();
        var running = await azurite.CreateTrainingJobAsync("cancel-me.txt", DateTimeOffset.UtcNow);
        Assert.Equal(CancelOutcome.Requested, await cancels.RequestAsync(running.JobId, CancellationToken.None));
        Assert.Equal(CancelOutcome.AlreadyRequested, await cancels.RequestAsync(running.JobId, CancellationToken.None));
        var stored = (await azurite.Statuses.GetAsync(running.JobId, CancellationToken.None))!;
        Assert.NotNull(stored.CancelRequested);
        Assert.Single(stored.History, e => e.Message == "Cancel requested.");

        var failed = await azurite.CreateJobAsync("done.txt", DateTimeOffset.UtcNow, s => s.Fail("x", DateTimeOffset.UtcNow));
        Assert.Equal(CancelOutcome.AlreadyFinished, await cancels.RequestAsync(failed.JobId, CancellationToken.None));
        Assert.Equal(CancelOutcome.NotFound, await cancels.RequestAsync("nothing-0123456789ab", CancellationToken.None));
    }

    [Fact]
    public async Task ResumeAsync_cancelled_job_is_ready_again_with_its_message_sent_a_pending_request_is_withdrawn()
    {
        var cancels = azurite.Services.GetRequiredService<CancelRequests>();
        var cancelled = await azurite.CreateTrainingJobAsync("resume-me.txt", DateTimeOffset.UtcNow);
        await cancels.RequestAsync(cancelled.JobId, CancellationToken.None);
        await azurite.Statuses.UpdateAsync(cancelled.JobId, s => s.Cancel("Cancelled at step 40.", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(CancelOutcome.AlreadyRequested, await cancels.RequestAsync(cancelled.JobId, CancellationToken.None));

        Assert.Equal(ResumeOutcome.Resumed, await cancels.ResumeAsync(cancelled.JobId, CancellationToken.None));
        var resumed = (await azurite.Statuses.GetAsync(cancelled.JobId, CancellationToken.None))!;
        Assert.Equal(JobState.ReadyForTraining, resumed.State);
        Assert.Null(resumed.CancelRequested);
        var messages = (await azurite.Storage.TrainingJobs.PeekMessagesAsync(32)).Value.Select(m => MessageJson.Parse<ShardsReady>(m.Body.ToString()));
        Assert.Contains(messages, m => m.JobId == cancelled.JobId && m.Manifest == BlobPaths.Manifest(cancelled.JobId));
        Assert.Equal(ResumeOutcome.NotCancelled, await cancels.ResumeAsync(cancelled.JobId, CancellationToken.None));

        var pending = await azurite.CreateTrainingJobAsync("withdraw-me.txt", DateTimeOffset.UtcNow);
        await cancels.RequestAsync(pending.JobId, CancellationToken.None);
        Assert.Equal(ResumeOutcome.RequestWithdrawn, await cancels.ResumeAsync(pending.JobId, CancellationToken.None));
        var withdrawn = (await azurite.Statuses.GetAsync(pending.JobId, CancellationToken.None))!;
        Assert.Equal(JobState.Training, withdrawn.State);
        Assert.Null(withdrawn.CancelRequested);
        Assert.Equal(ResumeOutcome.NotFound, await cancels.ResumeAsync("nothing-0123456789ab", CancellationToken.None));
    }
}
