using System.Net;
using System.Text.Json.Nodes;
using BertServerless.Shared.Monitoring;

namespace BertServerless.Monitoring.Tests;

/// <summary>The API's routes over real HTTP: the loopback listener in front of <see cref="MonitoringApi"/>, on Azurite.</summary>
[Collection(MonitoringAzuriteCollection.Name)]
public class MonitoringApiTests(MonitoringAzuriteFixture azurite)
{
    [Fact]
    public async Task Routes_answer_jobs_job_metrics_queues_cancel_and_resume_as_json()
    {
        var job = await azurite.CreateTrainingJobAsync("api-book.txt", DateTimeOffset.UtcNow.AddMinutes(5));
        await using var server = MonitoringHttpServer.Start(azurite.Api);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var jobs = JsonNode.Parse(await http.GetStringAsync("api/jobs?state=training&limit=5"))!.AsArray();
        var row = jobs.Single(j => j!["job_id"]!.GetValue<string>() == job.JobId)!;
        Assert.Equal("training", row["state"]!.GetValue<string>());
        Assert.Equal(40, row["step"]!.GetValue<int>());
        Assert.All(jobs, j => Assert.Equal("training", j!["state"]!.GetValue<string>()));

        var status = JsonNode.Parse(await http.GetStringAsync($"api/jobs/{job.JobId}"))!;
        Assert.Equal("api-book.txt", status["source"]!["name"]!.GetValue<string>());

        var metrics = JsonNode.Parse(await http.GetStringAsync($"api/jobs/{job.JobId}/metrics"))!.AsArray();
        Assert.Equal([10, 20, 30, 40], metrics.Select(p => p!["step"]!.GetValue<int>()));
        Assert.Equal(6.5, metrics[^1]!["mlm_loss"]!.GetValue<double>());

        var queues = JsonNode.Parse(await http.GetStringAsync("api/queues"))!.AsArray();
        Assert.Contains(queues, q => q!["name"]!.GetValue<string>() == "training-jobs-poison" && q["is_poison"]!.GetValue<bool>());

        var cancel = await http.PostAsync($"api/jobs/{job.JobId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("Requested", JsonNode.Parse(await cancel.Content.ReadAsStringAsync())!["outcome"]!.GetValue<string>());

        var resume = await http.PostAsync($"api/jobs/{job.JobId}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.Equal("RequestWithdrawn", JsonNode.Parse(await resume.Content.ReadAsStringAsync())!["outcome"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync($"api/jobs/{job.JobId}/resume", null)).StatusCode);
    }

    [Theory]
    [InlineData("api/jobs/not..an/id", HttpStatusCode.NotFound)]
    [InlineData("api/jobs/Bad_Id", HttpStatusCode.BadRequest)]
    [InlineData("api/jobs/nothing-0123456789ab", HttpStatusCode.NotFound)]
    [InlineData("api/jobs?state=sleeping", HttpStatusCode.BadRequest)]
    [InlineData("api/jobs?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("api/dashboard/../../secret", HttpStatusCode.NotFound)]
    [InlineData("api/nowhere", HttpStatusCode.NotFound)]
    public async Task Routes_bad_request_answers_an_error_status_with_a_message(string path, HttpStatusCode expected)
    {
        await using var server = MonitoringHttpServer.Start(azurite.Api);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await http.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Dashboard_page_and_script_are_served()
    {
        await using var server = MonitoringHttpServer.Start(azurite.Api);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var page = await http.GetAsync("api/dashboard");
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType!.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("function drawCurve", html);
        Assert.DoesNotContain("<script src=", html);
        Assert.Contains("drawCurve", await http.GetStringAsync("api/dashboard/dashboard.js"));
    }
}
