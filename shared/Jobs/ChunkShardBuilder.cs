using Azure;
using System.Diagnostics;
using BertServerless.Shared.Contracts;
using BertServerless.Shared.Prep;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Storage;
using BertServerless.Shared.Telemetry;
using BertServerless.Shared.Tokenization;
using Microsoft.Extensions.Logging;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// The second stage, behind the <c>BuildShards</c> function and the local runner: one <see cref="BookChunked"/> →
/// the chunk's shards and completion marker, then <see cref="PrepFinisher"/>. Every name is derived from the job and
/// chunk, so a redelivered message overwrites the same bytes.
/// A malformed message throws (retried, then poisoned); a chunk whose text cannot make training data fails the job.
/// </summary>
public sealed class ChunkShardBuilder(
    PipelineStorage storage,
    JobStatusStore jobs,
    BertTokenization tokenizer,
    PrepFinisher finisher,
    ILogger<ChunkShardBuilder> logger)
{
    public async Task BuildAsync(string messageText, CancellationToken cancellationToken)
    {
        var message = MessageJson.Parse<BookChunked>(messageText);
        if (!JobIds.IsValid(message.JobId) || message.ChunkCount < 1 || message.ChunkIndex < 0 || message.ChunkIndex >= message.ChunkCount)
            throw new InvalidDataException($"{StorageNames.PrepChunksQueue} message names no valid chunk: {messageText}");
        using var scope = logger.BeginScope(BertTelemetry.JobScope(message.JobId));
        using var activity = BertTelemetry.StartJobActivity("BuildShards", message.JobId, ActivityKind.Consumer)?.SetTag("bertsl.chunk", message.ChunkIndex);
        var clock = Stopwatch.StartNew();

        var status = await jobs.GetAsync(message.JobId, cancellationToken)
                     ?? throw new InvalidDataException($"{StorageNames.PrepChunksQueue} message names job {message.JobId}, which has no status.");
        // A job failed by poisoned chunks still builds every chunk: a replay of those reopens it and needs the rest.
        if (status.State == JobState.Failed && status.PoisonedChunks is null)
        {
            logger.LogInformation("Job {JobId} already failed; chunk {Chunk} skipped", message.JobId, message.ChunkIndex);
            return;
        }
        var prep = status.Prep ?? throw new InvalidDataException($"Job {message.JobId} has no prep options in its status.");

        var text = await storage.Shards.GetBlobClient(BlobPaths.ChunkText(message.JobId, message.ChunkIndex)).DownloadContentAsync(cancellationToken);
        var chunk = new BookChunk(message.ChunkIndex, text.Value.Content.ToString().Split('\n'));
        var vocabulary = await JobVocabularyAsync(message.JobId, cancellationToken)
                         ?? (prep.DomainVocab > 0 ? throw new InvalidDataException($"Job {message.JobId} has domain_vocab={prep.DomainVocab} but no {BlobPaths.Vocabulary(message.JobId)} in {StorageNames.JobsContainer}.") : tokenizer);
        var metadata = PrepMetadata.For(prep, vocabulary, status.Source.Name);

        List<PackedShard> shards;
        PrepStats stats;
        try
        {
            var result = new ChunkPreparer(vocabulary, prep).Prepare(chunk);
            stats = result.Stats;
            shards = [.. ShardPacker.Pack(result, prep.ShardSize, vocabulary.Special.Pad, metadata, PrepMetadata.ForPhase2(prep, metadata))];
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("Job {JobId}: chunk {Chunk} cannot be prepared: {Error}", message.JobId, message.ChunkIndex, e.Message);
            await jobs.FailAsync(message.JobId, $"Chunk {message.ChunkIndex} of {message.ChunkCount}: {e.Message}", cancellationToken);
            return;
        }

        foreach (var shard in shards)
            await storage.Shards.GetBlobClient(BlobPaths.Shard(message.JobId, shard.FileName)).UploadAsync(BinaryData.FromBytes(shard.Bytes), overwrite: true, cancellationToken);
        var marker = new ChunkMarker(message.ChunkIndex, stats, [.. shards.Select(s => s.Entry)]);
        await storage.Shards.GetBlobClient(BlobPaths.ChunkMarker(message.JobId, message.ChunkIndex)).UploadAsync(BinaryData.FromString(marker.ToJson()), overwrite: true, cancellationToken);
        BertTelemetry.PrepDuration.Record(clock.Elapsed.TotalSeconds);
        logger.LogInformation("Job {JobId}: chunk {Chunk} of {Chunks} → {Shards} shard(s), {Sequences} sequences",
            message.JobId, message.ChunkIndex, message.ChunkCount, shards.Count, stats.Sequences);

        if (status.State == JobState.Failed)
        {
            // Read after the marker is written: a replay that reopens the job meanwhile either sees this marker in its
            // finisher or is seen here, so the last chunk always finishes the job.
            var current = status.AwaitsReplayOf(message.ChunkIndex)
                ? await jobs.UpdateAsync(message.JobId, s => s.ChunkReplayed(message.ChunkIndex, jobs.Now), cancellationToken)
                : await jobs.GetAsync(message.JobId, cancellationToken) ?? status;
            if (current.State == JobState.Failed)
            {
                logger.LogInformation("Job {JobId}: chunk {Chunk} built; the job waits for the replay of chunk(s) {Poisoned}",
                    message.JobId, message.ChunkIndex, string.Join(", ", current.PoisonedChunks ?? []));
                return;
            }
        }

        await finisher.TryFinishAsync(message.JobId, message.ChunkCount, metadata, cancellationToken);
    }

    /// <summary>
    /// The vocabulary the intake stored for the job (a domain vocabulary, or a base model's own), which every chunk
    /// tokenizes with; null when the job uses the configured one.
    /// </summary>
    private async Task<BertTokenization?> JobVocabularyAsync(string jobId, CancellationToken cancellationToken)
    {
        var blob = storage.Jobs.GetBlobClient(BlobPaths.Vocabulary(jobId));
        try
        {
            var bytes = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
            return BertTokenization.FromVocabBytes(bytes, tokenizer.LowerCase, $"{StorageNames.JobsContainer}/{blob.Name}");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// The message's last attempt failed and it goes to the poison queue: record that in the job, where the user
    /// looks, so the job does not sit in Preparing forever. A message too broken to name its job is only logged.
    /// </summary>
    public async Task RecordGivenUpAsync(string messageText, long attempts, Exception error, CancellationToken cancellationToken)
    {
        BookChunked message;
        try
        {
            message = MessageJson.Parse<BookChunked>(messageText);
        }
        catch (InvalidDataException)
        {
            logger.LogError(error, "Unreadable {Queue} message given up: {Message}", StorageNames.PrepChunksQueue, messageText);
            return;
        }
        if (!JobIds.IsValid(message.JobId) || await jobs.GetAsync(message.JobId, cancellationToken) is null) return;
        await jobs.UpdateAsync(message.JobId, status => status.ChunkPoisoned(message.ChunkIndex,
            $"Chunk {message.ChunkIndex} of {message.ChunkCount} failed {attempts} times and was moved to " +
            $"{StorageNames.PoisonQueue(StorageNames.PrepChunksQueue)}; last error: {error.Message} " +
            "Replay it from there once the cause is fixed.", jobs.Now), cancellationToken);
    }
}
