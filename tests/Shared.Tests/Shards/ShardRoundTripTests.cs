using System.Buffers.Binary;
using BertServerless.Shared.SafeTensors;
using BertServerless.Shared.Shards;

namespace BertServerless.Shared.Tests.Shards;

public class ShardRoundTripTests
{
    private static readonly PretrainingExample[] Examples =
    [
        new([101, 7592, 103, 102, 2026, 102], [0, 0, 0, 0, 1, 1], [-100, -100, 1010, -100, -100, -100], 0),
        new([101, 2003, 102, 103, 102], [0, 0, 0, 1, 1], [-100, -100, -100, 10140, -100], 1),
    ];

    private static byte[] WriteShard()
    {
        var file = ShardWriter.Build(Examples, padId: 0, new Dictionary<string, string> { [ShardFormat.Meta.VocabSize] = "30522" });
        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    [Fact]
    public void Write_then_read_gives_padded_rows_and_counts()
    {
        var shard = Shard.FromFile(SafeTensorsFile.Parse(WriteShard(), "test"), "test");

        Assert.Equal(2, shard.Sequences);
        Assert.Equal(6, shard.SequenceLength);
        Assert.Equal([101, 2003, 102, 103, 102, 0], shard.InputIds[6..12]);
        Assert.Equal([1, 1, 1, 1, 1, 0], shard.AttentionMask[6..12]);
        Assert.Equal([0, 0, 0, 1, 1, 0], shard.TokenTypeIds[6..12]);
        Assert.Equal(-100, shard.Labels[11]);
        Assert.Equal([0, 1], shard.NextSentenceLabel);
        Assert.Equal(5, shard.RowLength(1));
        Assert.Equal("11", shard.Metadata[ShardFormat.Meta.Tokens]);
        Assert.Equal("2", shard.Metadata[ShardFormat.Meta.PredictedTokens]);
    }

    [Fact]
    public void Header_is_padded_to_eight_bytes()
    {
        var bytes = WriteShard();
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(bytes) % 8);
    }

    [Fact]
    public void Read_truncated_shard_throws_clear_error()
    {
        var bytes = WriteShard();
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Parse(bytes[..^10], "cut.safetensors"));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("cut.safetensors", error.Message);
    }

    [Fact]
    public void Read_garbage_throws_clear_error()
    {
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Parse("not a shard at all"u8.ToArray(), "junk"));
        Assert.Contains("not a valid safetensors file", error.Message);
    }

    [Fact]
    public void Read_file_without_format_version_is_rejected()
    {
        var file = new SafeTensorsFile([SafeTensor.FromSpan<int>(ShardFormat.InputIds, SafeTensorsDType.I32, [1, 1], [5])]);
        var error = Assert.Throws<InvalidDataException>(() => Shard.FromFile(file, "model.safetensors"));
        Assert.Contains("format_version", error.Message);
    }

    [Fact]
    public void Read_shard_with_out_of_vocab_ids_is_rejected()
    {
        var file = ShardWriter.Build(Examples, 0, new Dictionary<string, string> { [ShardFormat.Meta.VocabSize] = "1000" });
        var error = Assert.Throws<InvalidDataException>(() => Shard.FromFile(file, "s"));
        Assert.Contains("vocab_size", error.Message);
    }
}
