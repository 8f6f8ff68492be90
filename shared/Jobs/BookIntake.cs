using System.Diagnostics;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Telemetry;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// The first stage, behind the <c>SplitBook</c> functions and the local runner: an uploaded book → a job, its chunk
/// texts in the shards container and one <see cref="BookChunked"/> per chunk on <c>prep-chunks</c>.
/// Safe to call any number of times for one upload. Bad input fails the job and returns; it never throws, because
/// a thrown exception would only be retried into the same failure.
/// </summary>
public sealed class BookIntake(
    PipelineStorage storage,
    JobStatusStore jobs,
    IOptionsFactory<PrepOptions> prepDefaults,
    IOptionsFactory<TrainingRecipe> trainingDefaults,
    BertTokenization tokenizer,
    ILogger<BookIntake> logger)
{
    /// <summary>Returns the job id, or null when the blob is gone before it could be read.</summary>
    public async Task<string?> AcceptAsync(BlobClient book, CancellationToken cancellationToken)
    {
        if (await GetPropertiesAsync(book, cancellationToken) is not { } properties) return null;
        var jobId = JobIds.For(book.Name, properties.ETag);
        using var scope = logger.BeginScope(BertTelemetry.JobScope(jobId));
        using var activity = BertTelemetry.StartJobActivity("SplitBook", jobId, ActivityKind.Consumer);
        if (!await StartJobAsync(book, properties, jobId, cancellationToken)) return jobId;

        logger.LogInformation("Accepted {Blob} ({Bytes} bytes) as job {JobId}", book.Name, properties.ContentLength, jobId);
        if (!TryResolveOptions(properties.Metadata, out var prep, out var training, out var error)
            || (error = await CheckBaseModelAsync(prep, training, cancellationToken)) is not null)
        {
            await FailAsync(jobId, $"Upload metadata is invalid: {error}", cancellationToken);
            return jobId;
        }
        await jobs.UpdateAsync(jobId, status =>
        {
            status.Prep = prep;
            status.Training = training;
            status.MoveTo(JobState.Preparing, $"Splitting into chunks of about {prep.ChunkChars:N0} characters.", jobs.Now);
        }, cancellationToken);

        int chunks;
        try
        {
            var words = prep.DomainVocab > 0 ? new DomainWordCounts(tokenizer.LowerCase) : null;
            chunks = await SplitAsync(book, properties.ETag, jobId, prep, words, cancellationToken);
            var vocabulary = await StartVocabularyAsync(training, cancellationToken);
            if (words is not null) await StoreDomainVocabularyAsync(jobId, prep, vocabulary, words, cancellationToken);
            else if (vocabulary != tokenizer) await StoreVocabularyAsync(jobId, vocabulary, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or ArgumentException)
        {
            await FailAsync(jobId, e.Message, cancellationToken);
            return jobId;
        }
        await QueueChunksAsync(jobId, chunks, cancellationToken);
        return jobId;
    }

    /// <summary>
    /// An attempt at <see cref="AcceptAsync"/> threw (a transient fault: bad input never throws). Counts it in the job
    /// and fails the job at the <see cref="StorageNames.PrepChunksMaxDequeueCount"/>th, where the host stops retrying,
    /// so an upload that can never be split does not sit in Preparing for ever. A failure before the job existed is
    /// only logged: there is no job to mark, and the trigger's next attempt creates it.
    /// </summary>
    public async Task RecordFailedSplitAsync(BlobClient book, Exception error, CancellationToken cancellationToken)
    {
        try
        {
            if (await GetPropertiesAsync(book, cancellationToken) is not { } properties) return;
            var jobId = JobIds.For(book.Name, properties.ETag);
            if (await jobs.GetAsync(jobId, cancellationToken) is not { IsFinished: false }) return;
            var status = await jobs.UpdateAsync(jobId, s =>
            {
                if (s.IsFinished) return;
                s.FailedSplits = (s.FailedSplits ?? 0) + 1;
                if (s.FailedSplits >= StorageNames.PrepChunksMaxDequeueCount)
                    s.Fail($"Splitting '{book.Name}' failed {s.FailedSplits} times; last error: {error.Message} Upload the book again once the cause is fixed.", jobs.Now);
                else
                    s.Note($"Splitting failed (attempt {s.FailedSplits} of {StorageNames.PrepChunksMaxDequeueCount}): {error.Message}", jobs.Now);
            }, cancellationToken);
            logger.LogWarning(error, "Splitting {Blob} failed (attempt {Attempt}); job {JobId} is {State}", book.Name, status.FailedSplits, jobId, status.State);
        }
        catch (Exception recordError) when (recordError is RequestFailedException or OperationCanceledException)
        {
            // The fault that failed the split (an outage) may block this write too; the trigger's retry records it.
            logger.LogError(error, "Splitting {Blob} failed, and recording it failed too: {RecordError}", book.Name, recordError.Message);
        }
    }

    private async Task<BlobProperties?> GetPropertiesAsync(BlobClient book, CancellationToken cancellationToken)
    {
        try
        {
            return (await book.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            logger.LogWarning("Book {Blob} was deleted before it could be read", book.Name);
            return null;
        }
    }

    /// <summary>Creates the job; false when an earlier delivery of this upload already made it and got past splitting.</summary>
    private async Task<bool> StartJobAsync(BlobClient book, BlobProperties properties, string jobId, CancellationToken cancellationToken)
    {
        var source = new BookSource(book.BlobContainerName, book.Name, properties.ETag.ToString(), properties.ContentLength);
        if (await jobs.TryCreateAsync(JobStatus.New(jobId, source, jobs.Now), cancellationToken)) return true;

        var existing = await jobs.GetAsync(jobId, cancellationToken);
        // Chunks is set only after every chunk message was sent: until then an earlier delivery may have died mid-split.
        if (existing is null || existing.Chunks is not null || existing.State > JobState.Preparing)
        {
            logger.LogInformation("Book {Blob} is already job {JobId} ({State}); duplicate delivery ignored", book.Name, jobId, existing?.State);
            return false;
        }
        logger.LogWarning("Job {JobId} for {Blob} was created but never split; splitting it again", jobId, book.Name);
        return true;
    }

    private async Task QueueChunksAsync(string jobId, int chunks, CancellationToken cancellationToken)
    {
        for (var index = 0; index < chunks; index++)
            await storage.PrepChunks.SendMessageAsync(MessageJson.Serialize(new BookChunked(jobId, index, chunks)), cancellationToken);
        await jobs.UpdateAsync(jobId, status =>
        {
            status.Chunks = chunks;
            status.Note($"Split into {chunks} chunk(s); preparing shards.", jobs.Now);
        }, cancellationToken);
        logger.LogInformation("Job {JobId}: {Chunks} chunk(s) queued on {Queue}", jobId, chunks, StorageNames.PrepChunksQueue);
    }

    private bool TryResolveOptions(IDictionary<string, string> metadata, out PrepOptions prep, out TrainingRecipe training, out string? error)
    {
        // The factories build fresh instances, so one upload's overrides never leak into the configured defaults.
        prep = prepDefaults.Create(Options.DefaultName);
        training = trainingDefaults.Create(Options.DefaultName);
        try
        {
            JobOverrides.ApplyAndValidate(metadata, prep, training);
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// A named base model's config.json (a local directory's, as <c>bertsl run</c> passes, or a folder of the
    /// checkpoints container's, as the worker reads it) gives the max_position_embeddings max_len must fit. A base
    /// model not there yet is not an error here: it may be a job's final model still training, and the worker, which
    /// reads it when training starts, reports one that never came. Returns the problem, or null.
    /// </summary>
    private async Task<string?> CheckBaseModelAsync(PrepOptions prep, TrainingRecipe training, CancellationToken cancellationToken)
    {
        if (training.BaseModel is not { } baseModel || await ReadBaseModelConfigAsync(baseModel, cancellationToken) is not { } json) return null;
        try
        {
            JobOverrides.ValidateModel(prep, training, BaseModelConfig.Parse(json, $"{baseModel}/{CheckpointLayout.ConfigFile}").MaxPositionEmbeddings);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            return e.Message;
        }
    }

    private async Task<string?> ReadBaseModelConfigAsync(string baseModel, CancellationToken cancellationToken)
        => (await ReadBaseModelFileAsync(baseModel, CheckpointLayout.ConfigFile, cancellationToken))?.ToString();

    /// <summary>A file of the base model: a local directory's, else a checkpoints-container folder's; null when it is not there.</summary>
    private async Task<BinaryData?> ReadBaseModelFileAsync(string baseModel, string file, CancellationToken cancellationToken)
    {
        var local = Path.Combine(baseModel, file);
        if (File.Exists(local)) return BinaryData.FromBytes(await File.ReadAllBytesAsync(local, cancellationToken));
        var prefix = baseModel.Trim().Trim('/');
        if (prefix.StartsWith(StorageNames.CheckpointsContainer + "/", StringComparison.Ordinal)) prefix = prefix[(StorageNames.CheckpointsContainer.Length + 1)..];
        try
        {
            return (await storage.Checkpoints.GetBlobClient($"{prefix}/{file}").DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// The vocabulary the job starts from: the base model's vocab.txt when it has one (a model an earlier job adapted
    /// carries its domain words, which this job's shards must keep), else the configured one.
    /// </summary>
    private async Task<BertTokenization> StartVocabularyAsync(TrainingRecipe training, CancellationToken cancellationToken)
    {
        if (training.BaseModel is not { } baseModel || await ReadBaseModelFileAsync(baseModel, CheckpointLayout.VocabFile, cancellationToken) is not { } bytes)
            return tokenizer;
        var vocabulary = BertTokenization.FromVocabBytes(bytes.ToArray(), tokenizer.LowerCase, $"{baseModel}/{CheckpointLayout.VocabFile}");
        return vocabulary.VocabSha256 == tokenizer.VocabSha256 ? tokenizer : vocabulary;
    }

    /// <summary>
    /// Streams the book (never held whole in memory) into chunk blobs of whole paragraphs, one paragraph per line.
    /// Reads the exact version that made the job (If-Match), so a book overwritten meanwhile fails instead of mixing.
    /// </summary>
    private async Task<int> SplitAsync(BlobClient book, ETag etag, string jobId, PrepOptions prep, DomainWordCounts? words, CancellationToken cancellationToken)
    {
        await using var stream = await book.OpenReadAsync(
            new BlobOpenReadOptions(allowModifications: false) { Conditions = new BlobRequestConditions { IfMatch = etag } },
            cancellationToken);
        var paragraphs = BookReader.ReadParagraphs(stream, PrepPipeline.ReaderOptions(prep), book.Name);
        var count = 0;
        foreach (var chunk in BookChunker.Chunk(paragraphs, prep.ChunkChars))
        {
            foreach (var paragraph in chunk.Paragraphs) words?.Add(paragraph);
            var text = BinaryData.FromString(string.Join('\n', chunk.Paragraphs));
            await storage.Shards.GetBlobClient(BlobPaths.ChunkText(jobId, chunk.Index)).UploadAsync(text, overwrite: true, cancellationToken);
            logger.LogInformation("Job {JobId}: stored chunk {Chunk} ({Paragraphs} paragraphs)", jobId, chunk.Index, chunk.Paragraphs.Count);
            count++;
        }
        return count;
    }

    /// <summary>
    /// Chooses the job's domain vocabulary from the whole book's word counts, before any chunk is queued (chunks are
    /// prepared independently, so they must all find the one vocabulary), and stores it with its report. The words
    /// take the start vocabulary's free <c>[unusedN]</c> slots, so a base model's own domain words stay where they are.
    /// </summary>
    private async Task StoreDomainVocabularyAsync(string jobId, PrepOptions prep, BertTokenization start, DomainWordCounts words, CancellationToken cancellationToken)
    {
        var result = DomainVocabulary.Build(start, words, prep.DomainVocab, prep.MinCount);
        var report = DomainVocabularyReport.For(result, start, prep.MinCount);
        await StoreVocabularyAsync(jobId, result.Tokenization, cancellationToken);
        await storage.Jobs.GetBlobClient(BlobPaths.DomainVocabularyReport(jobId)).UploadAsync(BinaryData.FromString(report.ToJson()), overwrite: true, cancellationToken);
        await jobs.UpdateAsync(jobId, status => status.Note(report.Summary(), jobs.Now), cancellationToken);
        logger.LogInformation("Job {JobId}: {Summary}", jobId, report.Summary());
    }

    /// <summary>The job's own vocabulary, which every chunk then tokenizes with (<see cref="ChunkShardBuilder"/>) and the worker trains with.</summary>
    private async Task StoreVocabularyAsync(string jobId, BertTokenization vocabulary, CancellationToken cancellationToken)
        => await storage.Jobs.GetBlobClient(BlobPaths.Vocabulary(jobId)).UploadAsync(BinaryData.FromBytes(vocabulary.VocabBytes), overwrite: true, cancellationToken);

    private async Task FailAsync(string jobId, string error, CancellationToken cancellationToken)
    {
        logger.LogWarning("Job {JobId} failed: {Error}", jobId, error);
        await jobs.FailAsync(jobId, error, cancellationToken);
    }
}
