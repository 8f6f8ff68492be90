using BertServerless.Shared;
using BertServerless.Shared.Jobs;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Functions.Tests;

/// <summary><c>domain_vocab</c> through the pipeline on a real Azurite: one vocabulary per job, chosen before any chunk is prepared.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DomainVocabularyPipelineTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Upload_with_domain_vocab_stores_the_jobs_vocabulary_and_report_and_every_chunk_uses_it()
    {
        var metadata = new Dictionary<string, string> { ["chunk_chars"] = "100000", ["domain_vocab"] = "40", ["max_len"] = "128" };
        var (_, jobId) = await azurite.UploadAsync("sherlock-domain.txt", File.ReadAllBytes(TestData.Sherlock), metadata);

        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(jobId) && await azurite.PrepChunksWaitingAsync() == 0, seconds: 90);

        var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobState.ReadyForTraining, status!.State);
        Assert.True(status.Chunks >= 4, $"expected several chunks, got {status.Chunks}");
        var vocabBytes = (await azurite.Storage.Jobs.GetBlobClient(BlobPaths.Vocabulary(jobId)).DownloadContentAsync()).Value.Content.ToArray();
        var vocabulary = BertTokenization.FromVocabBytes(vocabBytes, true, "vocab.txt");
        var reportJson = (await azurite.Storage.Jobs.GetBlobClient(BlobPaths.DomainVocabularyReport(jobId)).DownloadContentAsync()).Value.Content.ToString();
        var report = DocumentJson.Parse<DomainVocabularyReport>(reportJson, "report", "report");
        // Chosen from the whole book: names from several stories, which no single 100,000-character chunk holds.
        Assert.Equal(37, report.Words.Count);
        Assert.Contains(report.Words, w => w.Word == "roylott");
        Assert.Contains(report.Words, w => w.Word == "windibank");
        Assert.Equal(vocabulary.VocabSha256, report.VocabSha256);
        Assert.Contains(status.History, h => h.Message.StartsWith("Domain vocabulary: 37 word(s)", StringComparison.Ordinal));

        var manifest = ShardManifest.Parse((await azurite.Storage.Shards.GetBlobClient(BlobPaths.Manifest(jobId)).DownloadContentAsync()).Value.Content.ToString(), "manifest");
        Assert.Equal(vocabulary.VocabSha256, manifest.Settings[ShardFormat.Meta.VocabSha256]);
        foreach (var entry in manifest.Shards)
        {
            var bytes = (await azurite.Storage.Shards.GetBlobClient(BlobPaths.Shard(jobId, entry.File)).DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(vocabulary.VocabSha256, Shard.FromFile(SafeTensorsFile.Parse(bytes, entry.File), entry.File).Metadata[ShardFormat.Meta.VocabSha256]);
        }
    }

    [Fact]
    public async Task Upload_with_domain_vocab_out_of_range_fails_the_job_naming_the_knob()
    {
        var (blob, jobId) = await azurite.UploadAsync("domain-too-many.txt", File.ReadAllBytes(TestData.Meditations), new Dictionary<string, string> { ["domain_vocab"] = "2000" });

        await azurite.Intake.AcceptAsync(blob, CancellationToken.None);

        var status = await azurite.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobState.Failed, status!.State);
        Assert.Contains("domain_vocab must be between 0 (off) and 994 (got 2000)", status.Error);
    }

    [Fact]
    public async Task Upload_with_a_base_model_of_its_own_vocabulary_keeps_its_words_and_fills_the_next_free_slots()
    {
        // A base model an earlier job adapted: a domain word in [unused0].
        var baseModel = Directory.CreateTempSubdirectory("bertsl-base-vocab-").FullName;
        var tokens = Enumerable.Range(0, BertTokenization.Default.VocabSize).Select(BertTokenization.Default.IdToToken).ToArray();
        var unused0 = Array.IndexOf(tokens, "[unused0]");
        tokens[unused0] = "stoicism";
        File.WriteAllLines(Path.Combine(baseModel, "vocab.txt"), tokens);
        var baseVocabulary = BertTokenization.FromVocabFile(Path.Combine(baseModel, "vocab.txt"));

        var adapted = await azurite.UploadAsync("base-vocab-domain.txt", File.ReadAllBytes(TestData.Meditations),
            new Dictionary<string, string> { ["domain_vocab"] = "5", ["base_model"] = baseModel });
        var plain = await azurite.UploadAsync("base-vocab-plain.txt", File.ReadAllBytes(TestData.Meditations),
            new Dictionary<string, string> { ["base_model"] = baseModel });
        await azurite.RunUntilAsync(async () => await azurite.IsFinishedPrepAsync(adapted.JobId) && await azurite.IsFinishedPrepAsync(plain.JobId), seconds: 90);

        async Task<BertTokenization> JobVocabularyAsync(string jobId) => BertTokenization.FromVocabBytes(
            (await azurite.Storage.Jobs.GetBlobClient(BlobPaths.Vocabulary(jobId)).DownloadContentAsync()).Value.Content.ToArray(), true, jobId);
        var withWords = await JobVocabularyAsync(adapted.JobId);
        Assert.Equal("stoicism", withWords.IdToToken(unused0));
        Assert.Equal(5, Enumerable.Range(0, tokens.Length).Count(id => withWords.IdToToken(id) != tokens[id]));
        Assert.Equal("thyself", withWords.IdToToken(Array.IndexOf(tokens, "[unused1]")));
        // Without domain_vocab the job still prepares with the base model's vocabulary, so its shards fit the model.
        Assert.Equal(baseVocabulary.VocabSha256, (await JobVocabularyAsync(plain.JobId)).VocabSha256);
        foreach (var (jobId, vocabulary) in new[] { (adapted.JobId, withWords), (plain.JobId, baseVocabulary) })
        {
            var manifest = ShardManifest.Parse((await azurite.Storage.Shards.GetBlobClient(BlobPaths.Manifest(jobId)).DownloadContentAsync()).Value.Content.ToString(), "manifest");
            Assert.Equal(vocabulary.VocabSha256, manifest.Settings[ShardFormat.Meta.VocabSha256]);
        }
        Directory.Delete(baseModel, recursive: true);
    }
}
