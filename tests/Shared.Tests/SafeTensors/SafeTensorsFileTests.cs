using BertServerless.Shared.SafeTensors;

namespace BertServerless.Shared.Tests.SafeTensors;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"safetensors-{Guid.NewGuid()}.safetensors");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Open_reads_back_what_Write_wrote()
    {
        new SafeTensorsFile(
        [
            SafeTensor.FromSpan<float>("weight", SafeTensorsDType.F32, [2, 2], [1f, -2f, 3.5f, 4f]),
            SafeTensor.FromSpan<long>("step", SafeTensorsDType.I64, [], [7L]),
            new SafeTensor("streamed", SafeTensorsDType.U8, [3], 3, stream => stream.Write([9, 8, 7])),
        ], new Dictionary<string, string> { ["format"] = "pt" }).Write(_path);

        using var file = SafeTensorsFile.Open(_path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([2L, 2L], file["weight"].Shape);
        Assert.Equal([1f, -2f, 3.5f, 4f], file["weight"].ToArray<float>());
        Assert.Equal([7L], file["step"].ToArray<long>());
        Assert.Equal(new byte[] { 9, 8, 7 }, file["streamed"].ToArray<byte>());
        Assert.Equal(File.ReadAllBytes(_path), Rewritten(file));
    }

    [Fact]
    public void Open_of_a_truncated_file_names_it()
    {
        new SafeTensorsFile([SafeTensor.FromSpan<int>("ids", SafeTensorsDType.I32, [4], [1, 2, 3, 4])]).Write(_path);
        var bytes = File.ReadAllBytes(_path);
        File.WriteAllBytes(_path, bytes[..^4]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(_path));
        Assert.Contains("truncated", error.Message);
        Assert.Contains(Path.GetFileName(_path), error.Message);
    }

    [Fact]
    public void A_tensor_cannot_be_read_once_its_file_is_closed()
    {
        new SafeTensorsFile([SafeTensor.FromSpan<int>("ids", SafeTensorsDType.I32, [1], [5])]).Write(_path);
        var file = SafeTensorsFile.Open(_path);
        var ids = file["ids"];
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ids.ToArray<int>());
    }

    [Fact]
    public void A_streamed_tensor_that_writes_the_wrong_length_is_refused()
    {
        var file = new SafeTensorsFile([new SafeTensor("short", SafeTensorsDType.F32, [2], 8, stream => stream.Write(new byte[4]))]);
        var error = Assert.Throws<InvalidOperationException>(() => file.Write(_path));
        Assert.Contains("'short' wrote 4 bytes", error.Message);
    }

    // The case whole-file reading could not handle: offsets past int.MaxValue. The big tensor's middle is left as a
    // hole in a sparse file, so the test writes and reads a few bytes, not 2.2 GB, and runs in CI.
    [Fact]
    public void A_file_over_2_GB_writes_and_reads_back()
    {
        const long big = int.MaxValue + 100_000_000L;
        byte[] head = [1, 2, 3, 4, 5, 6, 7, 8], tail = [250, 251, 252, 253, 254, 255];
        new SafeTensorsFile(
        [
            new SafeTensor("big", SafeTensorsDType.U8, [big], big, stream =>
            {
                stream.Write(head);
                stream.Seek(big - head.Length - tail.Length, SeekOrigin.Current);
                stream.Write(tail);
            }),
            SafeTensor.FromSpan<float>("after", SafeTensorsDType.F32, [3], [0.25f, -1f, 42f]),
        ]).Write(_path);
        Assert.True(new FileInfo(_path).Length > int.MaxValue);

        using var file = SafeTensorsFile.Open(_path);
        Assert.Equal(big, file["big"].ByteLength);
        Assert.Equal(head, Read(file["big"], 0, head.Length));
        Assert.Equal(tail, Read(file["big"], big - tail.Length, tail.Length));
        Assert.Equal(new byte[16], Read(file["big"], int.MaxValue - 8, 16));
        Assert.Equal([0.25f, -1f, 42f], file["after"].ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => file["big"].ToArray<byte>());
    }

    private static byte[] Read(SafeTensor tensor, long offset, int count)
    {
        var bytes = new byte[count];
        tensor.CopyTo(offset, bytes);
        return bytes;
    }

    private static byte[] Rewritten(SafeTensorsFile file)
    {
        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }
}
