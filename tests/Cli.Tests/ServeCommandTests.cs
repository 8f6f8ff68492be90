using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.Storage;
using BertServerless.Tests;

namespace BertServerless.Cli.Tests;

/// <summary><c>bertsl serve</c> through the real binary: a book uploaded by the Azure SDK itself becomes a job, watched over the served API.</summary>
public class ServeCommandTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromMinutes(5);
    private readonly string _work = Directory.CreateTempSubdirectory("bertsl-serve-").FullName;

    [Fact]
    public async Task Serve_sdk_upload_with_metadata_becomes_a_succeeded_job_and_ctrl_c_stops_it_keeping_the_data()
    {
        var data = Path.Combine(_work, "azurite");
        string jobId;
        await using (var serve = BertslProcess.Start(_work, "serve", "--data", data, "--port", "0"))
        {
            var connection = await serve.WaitForLineAsync("Storage connection string: ", Startup);
            using var http = new HttpClient { BaseAddress = new Uri((await serve.WaitForLineAsync("API: ", Startup))[..^"api/jobs".Length]) };
            await serve.WaitForLineAsync("Ready.", Startup);

            // A plain SDK upload, as any client would make it: nothing of bertsl's on this side.
            var book = new BlobContainerClient(connection, StorageNames.BooksContainer).GetBlobClient("serve-meditations.txt");
            var metadata = new Dictionary<string, string> { ["maxlen"] = "64", ["preset"] = "tiny", ["epochs"] = "1", ["max_steps"] = "6" };
            var uploaded = await book.UploadAsync(BinaryData.FromBytes(await File.ReadAllBytesAsync(TestData.Meditations)), new BlobUploadOptions { Metadata = metadata });
            jobId = JobIds.For(book.Name, uploaded.Value.ETag);

            var job = await WaitForStateAsync(http, jobId, "succeeded", serve);
            Assert.Equal(6, job["progress"]!["step"]!.GetValue<int>());
            Assert.Equal(64, job["prep"]!["max_len"]!.GetValue<int>());
            Assert.Equal("tiny", job["training"]!["preset"]!.GetValue<string>());
            Assert.Contains("<html", await http.GetStringAsync("api/dashboard"), StringComparison.OrdinalIgnoreCase);

            serve.Interrupt();
            Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("Stopped.", serve.Stdout);
        }

        // Started again on the same data folder, the job is still there.
        await using var again = BertslProcess.Start(_work, "serve", "--data", data, "--port", "0");
        using var client = new HttpClient { BaseAddress = new Uri((await again.WaitForLineAsync("API: ", Startup))[..^"api/jobs".Length]) };
        await again.WaitForLineAsync("Ready.", Startup);
        Assert.Equal("succeeded", JsonNode.Parse(await client.GetStringAsync($"api/jobs/{jobId}"))!["state"]!.GetValue<string>());
        again.Interrupt();
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromMinutes(1)));
    }

    private static async Task<JsonNode> WaitForStateAsync(HttpClient http, string jobId, string state, BertslProcess serve)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            using var response = await http.GetAsync($"api/jobs/{jobId}");
            if (response.IsSuccessStatusCode)
            {
                var job = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                var current = job["state"]!.GetValue<string>();
                if (current == state) return job;
                Assert.True(current != "failed", $"job failed: {job["error"]}\n{serve.Stdout}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {jobId} not {state} within 5 minutes:\n{serve.Stdout}\n{serve.Stderr}");
            await Task.Delay(500);
        }
    }
}
