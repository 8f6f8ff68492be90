using System.Text;
using BertServerless.Shared.Prep;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Shared.Training;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Prep;

/// <summary><c>domain_vocab</c> in a whole prep: one vocabulary chosen from the whole book, every shard made with it.</summary>
public class DomainVocabularyPrepTests
{
    private static async Task<(ShardManifest Manifest, MemorySink Sink)> PrepAsync(PrepOptions options)
    {
        var sink = new MemorySink();
        await using var book = File.OpenRead(TestData.Meditations);
        // Chunks of 50,000 characters: five chunks prepared in parallel must still share one vocabulary.
        var manifest = await new PrepPipeline(BertTokenization.Default, options) { Parallelism = 2 }.RunAsync(book, "meditations.txt", sink);
        return (manifest, sink);
    }

    [Fact]
    public async Task RunAsync_domain_vocab_writes_the_vocabulary_and_report_that_every_shard_uses()
    {
        var (manifest, sink) = await PrepAsync(new PrepOptions { MaxLen = 128, ChunkChars = 50_000, DomainVocab = 30, MinCount = 5 });

        var vocabulary = BertTokenization.FromVocabBytes(sink.Files[CheckpointLayout.VocabFile], true, "vocab.txt");
        var report = DocumentJson.Parse<DomainVocabularyReport>(Encoding.UTF8.GetString(sink.Files[DomainVocabulary.ReportFile]), "report", "report");
        // The words of the whole book, not of any one chunk: Meditations has 18 words of 5+ uses and 3+ pieces.
        IReadOnlyList<string> paragraphs;
        await using (var book = File.OpenRead(TestData.Meditations))
            paragraphs = [.. BookReader.ReadParagraphs(book, new BookReaderOptions(), "meditations.txt")];
        var whole = DomainVocabulary.Build(BertTokenization.Default, paragraphs, maxWords: 30, minCount: 5);
        Assert.Equal(18, report.Words.Count);
        Assert.Equal(whole.Words.Select(w => (w.Word, w.Id, w.Count)), report.Words.Select(w => (w.Word, w.Id, w.Count)));
        Assert.Equal(whole.Tokenization.VocabSha256, vocabulary.VocabSha256);
        Assert.Equal(vocabulary.VocabSha256, report.VocabSha256);
        Assert.Equal(["thy", "##sel", "##f"], report.Words[0].PiecesBefore);
        Assert.All(report.Words, w => Assert.Equal(1, w.PiecesAfter));
        // The words' own savings, give or take the few longer words that now start with one of them ("thyselves").
        Assert.InRange(report.TokensBefore - report.Words.Sum(w => w.TokensSaved) - report.TokensAfter, 0, 10);
        Assert.InRange(report.SavedShare, 0.005, 0.2);
        Assert.Contains("thyself (thy ##sel ##f)", report.Summary());

        Assert.True(manifest.Shards.Count > 1);
        var wordIds = report.Words.Select(w => w.Id).ToHashSet();
        var usesWords = 0;
        foreach (var entry in manifest.Shards)
        {
            var shard = Shard.FromFile(SafeTensorsFile.Parse(sink.Files[entry.File], entry.File), entry.File);
            Assert.Equal(vocabulary.VocabSha256, shard.Metadata[ShardFormat.Meta.VocabSha256]);
            usesWords += shard.InputIds.Concat(shard.Labels).Count(wordIds.Contains);
        }
        Assert.True(usesWords > 100, $"the new words occur {usesWords} times in the shards");
        Assert.Equal(vocabulary.VocabSha256, manifest.Settings[ShardFormat.Meta.VocabSha256]);
    }

    [Fact]
    public async Task RunAsync_without_domain_vocab_writes_no_vocabulary()
    {
        var (_, sink) = await PrepAsync(new PrepOptions { MaxLen = 128 });
        Assert.False(sink.Files.ContainsKey(CheckpointLayout.VocabFile));
        Assert.False(sink.Files.ContainsKey(DomainVocabulary.ReportFile));
    }

    [Theory]
    [InlineData(-1, 5, "domain_vocab must be between 0 (off) and 994 (got -1).")]
    [InlineData(995, 5, "domain_vocab must be between 0 (off) and 994 (got 995).")]
    [InlineData(10, 0, "min_count must be at least 1 (got 0).")]
    public void Validate_domain_vocab_and_min_count_out_of_range_name_the_knob(int domainVocab, int minCount, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new PrepOptions { DomainVocab = domainVocab, MinCount = minCount }.Validate());
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Build_more_words_than_unused_slots_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => DomainVocabulary.Build(BertTokenization.Default, ["text"], maxWords: 995, minCount: 1));
        Assert.Contains("more words than the vocabulary has [unusedN] slots (994)", error.Message);
    }
}
