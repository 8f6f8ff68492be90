using BertServerless.Shared.Prep;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Text;
using BertServerless.Shared.Tokenization;
using BertServerless.Tests;

namespace BertServerless.Shared.Tests.Prep;

/// <summary>phase2_max_len: one pass over the book writes the max_len shards and the phase-2 shards beside them.</summary>
public class TwoPhasePrepTests
{
    private static async Task<(ShardManifest Manifest, MemorySink Sink)> PrepAsync(PrepOptions options)
    {
        var sink = new MemorySink();
        await using var book = File.OpenRead(TestData.Meditations);
        var manifest = await new PrepPipeline(BertTokenization.Default, options) { Parallelism = 2 }.RunAsync(book, "meditations.txt", sink);
        return (manifest, sink);
    }

    [Fact]
    public async Task RunAsync_with_phase2_max_len_writes_longer_phase2_shards_and_leaves_the_first_phase_unchanged()
    {
        var (onePhase, onePhaseFiles) = await PrepAsync(new PrepOptions { MaxLen = 64, Pairing = PairingMode.Segment, ChunkChars = 100_000 });
        var (twoPhase, twoPhaseFiles) = await PrepAsync(new PrepOptions { MaxLen = 64, Phase2MaxLen = 256, Pairing = PairingMode.Segment, ChunkChars = 100_000 });

        Assert.Null(onePhase.Phase2Shards);
        Assert.Equal(onePhase.ToJson(), new ShardManifest { Source = twoPhase.Source, Settings = twoPhase.Settings, Shards = twoPhase.Shards, Stats = twoPhase.Stats }.ToJson());
        Assert.All(onePhase.Shards, s => Assert.Equal(onePhaseFiles.Files[s.File], twoPhaseFiles.Files[s.File]));

        var phase2 = Assert.IsAssignableFrom<IReadOnlyList<ShardEntry>>(twoPhase.Phase2Shards);
        Assert.True(twoPhase.Shards.Select(s => s.File[..11]).Distinct().Count() > 1, "the book should span several chunks");
        Assert.All(phase2, s => Assert.StartsWith("phase2-shard-", s.File));
        Assert.Equal(twoPhaseFiles.Order.Where(f => f.StartsWith("phase2-", StringComparison.Ordinal)), phase2.Select(s => s.File));
        var shards = phase2.Select(s => Shard.FromFile(SafeTensorsFile.Parse(twoPhaseFiles.Files[s.File], s.File), s.File)).ToList();
        Assert.All(shards, s => Assert.Equal(("256", "2"), (s.Metadata[ShardFormat.Meta.MaxLen], s.Metadata[ShardFormat.Meta.Phase])));
        Assert.All(shards, s => Assert.InRange(s.SequenceLength, 65, 256));
        Assert.Equal(twoPhase.Settings[ShardFormat.Meta.VocabSha256], shards[0].Metadata[ShardFormat.Meta.VocabSha256]);
        // Segments packed to 256 tokens hold more text each (up to a paragraph's end): fewer of them cover the same book.
        Assert.InRange(phase2.Sum(s => s.Sequences), 1, twoPhase.Stats.Sequences * 0.8);
        Assert.True(phase2.Sum(s => s.Tokens) / phase2.Sum(s => s.Sequences) > 1.3 * twoPhase.Stats.Tokens / twoPhase.Stats.Sequences);
    }

    [Theory]
    [InlineData(128, 128, "phase2_max_len must be longer than max_len (128)")]
    [InlineData(128, 10_000, "phase2_max_len must be longer than max_len (128) and at most 8192")]
    public void Validate_phase2_max_len_not_longer_than_max_len_names_the_rule(int maxLen, int phase2MaxLen, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new PrepOptions { MaxLen = maxLen, Phase2MaxLen = phase2MaxLen }.Validate());

        Assert.Contains(expected, error.Message);
    }
}
