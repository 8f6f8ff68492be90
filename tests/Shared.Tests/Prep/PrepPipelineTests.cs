using System.Text;
using BertServerless.Shared.Prep;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Prep;

public class PrepPipelineTests
{
    private static async Task<(ShardManifest Manifest, MemorySink Sink)> PrepAsync(string path, PrepOptions options, int parallelism = 2)
    {
        var sink = new MemorySink();
        await using var book = File.OpenRead(path);
        var manifest = await new PrepPipeline(BertTokenization.Default, options) { Parallelism = parallelism }
            .RunAsync(book, Path.GetFileName(path), sink);
        return (manifest, sink);
    }

    private static Task<(ShardManifest Manifest, MemorySink Sink)> PrepTextAsync(string text, PrepOptions? options = null)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "book.txt");
        File.WriteAllText(path, text);
        return PrepAsync(path, options ?? new PrepOptions());
    }

    [Fact]
    public async Task RunAsync_meditations_writes_shards_that_match_the_manifest()
    {
        var (manifest, sink) = await PrepAsync(TestData.Meditations, new PrepOptions { MaxLen = 128 });

        Assert.Equal(ShardFormat.ManifestFileName, sink.Order[^1]);
        Assert.Equal(manifest.Shards.Select(s => s.File), sink.Order[..^1]);
        var shards = manifest.Shards.Select(s => Shard.FromFile(SafeTensorsFile.Parse(sink.Files[s.File], s.File), s.File)).ToList();
        Assert.Equal(manifest.Stats.Sequences, shards.Sum(s => s.Sequences));
        Assert.All(shards, s => Assert.True(s.SequenceLength <= 128));
        Assert.Equal(manifest.Stats.Tokens, shards.Sum(s => (long)s.AttentionMask.Count(m => m == 1)));
        Assert.InRange(manifest.Stats.IsNextShare, 0.45, 0.55);
        Assert.InRange(manifest.Stats.MaskedShare, 0.14, 0.16);
        Assert.Equal(BertTokenization.Default.VocabSha256, shards[0].Metadata[ShardFormat.Meta.VocabSha256]);
        Assert.Equal("meditations.txt", manifest.Source);
    }

    [Fact]
    public async Task RunAsync_every_row_is_cls_a_sep_b_sep_with_segment_ids()
    {
        var (manifest, sink) = await PrepAsync(TestData.Meditations, new PrepOptions { MaxLen = 64 });
        var special = BertTokenization.Default.Special;
        var shard = Shard.FromFile(SafeTensorsFile.Parse(sink.Files[manifest.Shards[0].File], "s"), "s");
        for (var row = 0; row < shard.Sequences; row++)
        {
            var length = shard.RowLength(row);
            var ids = shard.InputIds.AsSpan(row * shard.SequenceLength, length);
            var labels = shard.Labels.AsSpan(row * shard.SequenceLength, length);
            var types = shard.TokenTypeIds.AsSpan(row * shard.SequenceLength, length);
            var firstSep = ids.IndexOf(special.Sep);
            Assert.Equal(special.Cls, ids[0]);
            Assert.Equal(special.Sep, ids[^1]);
            Assert.True(firstSep > 0 && firstSep < length - 1);
            Assert.Equal(0, types[firstSep]);
            Assert.Equal(1, types[firstSep + 1]);
            Assert.Equal(-100, labels[0]);
            Assert.Equal(-100, labels[firstSep]);
            Assert.Contains(labels.ToArray(), l => l != -100);
        }
    }

    [Fact]
    public async Task RunAsync_same_seed_gives_identical_bytes_whatever_the_parallelism()
    {
        var options = new PrepOptions { MaxLen = 128, ChunkChars = 100_000 };
        var (first, a) = await PrepAsync(TestData.Sherlock, options, parallelism: 1);
        var (_, b) = await PrepAsync(TestData.Sherlock, options, parallelism: 2);

        Assert.True(first.Shards.Select(s => s.File).Distinct().Count() > 3, "expected several chunks");
        Assert.Equal(a.Order, b.Order);
        foreach (var name in a.Order) Assert.Equal(a.Files[name], b.Files[name]);
    }

    [Fact]
    public async Task RunAsync_other_seed_gives_other_masking()
    {
        var (_, a) = await PrepAsync(TestData.Meditations, new PrepOptions { MaxLen = 128, Seed = 1 });
        var (_, b) = await PrepAsync(TestData.Meditations, new PrepOptions { MaxLen = 128, Seed = 2 });
        Assert.NotEqual(a.Files["shard-00000-000.safetensors"], b.Files["shard-00000-000.safetensors"]);
    }

    [Fact]
    public async Task RunAsync_dupe_factor_writes_each_pair_that_many_times()
    {
        var (single, _) = await PrepAsync(TestData.Meditations, new PrepOptions { MaxLen = 128 });
        var (tripled, _) = await PrepAsync(TestData.Meditations, new PrepOptions { MaxLen = 128, DupeFactor = 3 });
        Assert.Equal(single.Stats.Pairs, tripled.Stats.Pairs);
        Assert.Equal(3 * tripled.Stats.Pairs, tripled.Stats.Sequences);
    }

    [Fact]
    public async Task RunAsync_shards_hold_about_the_shard_size()
    {
        var (manifest, _) = await PrepAsync(TestData.Sherlock, new PrepOptions { MaxLen = 128, ShardSize = 1000 });
        Assert.All(manifest.Shards, s => Assert.InRange(s.Sequences, 500, 1000));
    }

    [Fact]
    public async Task RunAsync_book_without_two_sentence_paragraph_fails_clearly()
    {
        var text = string.Join("\n", Enumerable.Range(0, 50).Select(i => $"Paragraph number {i} has one sentence only."));
        var error = await Assert.ThrowsAnyAsync<InvalidDataException>(() => PrepTextAsync(text));
        Assert.Contains("two or more sentences", error.Message);
        Assert.Contains("book.txt", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n  \t \n")]
    public async Task RunAsync_empty_book_fails_clearly(string text)
    {
        var error = await Assert.ThrowsAnyAsync<InvalidDataException>(() => PrepTextAsync(text));
        Assert.Contains("book.txt", error.Message);
    }

    [Fact]
    public async Task RunAsync_binary_file_fails_clearly()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model.bin");
        File.WriteAllBytes(path, Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31 % 256)).ToArray());
        var sink = new MemorySink();
        await using var book = File.OpenRead(path);
        var error = await Assert.ThrowsAnyAsync<InvalidDataException>(() => new PrepPipeline(BertTokenization.Default, new PrepOptions()).RunAsync(book, "model.bin", sink));
        Assert.Contains("binary", error.Message);
        Assert.Empty(sink.Files);
    }

    [Fact]
    public async Task RunAsync_invalid_options_fail_before_reading()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => PrepTextAsync("A. B.", new PrepOptions { MaxLen = 2 }));
        Assert.Contains("max_len", error.Message);
    }

    [Fact]
    public void Validate_unknown_encoding_names_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => new PrepOptions { Encoding = "ebcdic" }.Validate());
        Assert.Contains("ebcdic", error.Message);
        Assert.Contains("latin1", error.Message);
    }

    [Fact]
    public async Task RunAsync_latin1_book_reads_with_latin1_encoding()
    {
        var text = "Café society met. The naïve hero left.\nAnother paragraph here. It has two sentences.\n";
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "latin1.txt");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));

        await Assert.ThrowsAnyAsync<InvalidDataException>(() => PrepAsync(path, new PrepOptions()));
        var (manifest, _) = await PrepAsync(path, new PrepOptions { Encoding = "latin1" });
        Assert.Equal(0, manifest.Stats.UnkTokens);
    }
}
