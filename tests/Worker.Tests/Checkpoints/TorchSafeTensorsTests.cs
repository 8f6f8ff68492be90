using BertServerless.Shared.SafeTensors;
using BertServerless.Worker.Checkpoints;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Checkpoints;

public sealed class TorchSafeTensorsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"torch-safetensors-{Guid.NewGuid()}.safetensors");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Float32_then_CopyInto_round_trips_a_bf16_tensor_widened()
    {
        using var source = tensor(new float[] { 1.5f, -2f, 3f, 0.125f, 8f, -0.5f }, [2, 3]).to(ScalarType.BFloat16);
        new SafeTensorsFile([TorchSafeTensors.Float32("w", source)]).Write(_path);

        using var file = SafeTensorsFile.Open(_path);
        using var restored = empty([2, 3], ScalarType.Float32);
        TorchSafeTensors.CopyInto(file["w"], restored);
        Assert.Equal(SafeTensorsDType.F32, file["w"].DType);
        Assert.True(restored.equal(source.to(ScalarType.Float32)).all().item<bool>());
    }

    [Fact]
    public void CopyInto_refuses_a_destination_of_another_size()
    {
        var stored = SafeTensor.FromSpan<float>("w", SafeTensorsDType.F32, [3], [1f, 2f, 3f]);
        using var wrong = empty([4], ScalarType.Float32);
        Assert.Throws<ArgumentException>(() => TorchSafeTensors.CopyInto(stored, wrong));
    }

    // A tensor past 2 GB (a span's limit) read into torch storage block by block: a sparse file keeps the write cheap,
    // the 2.2 GB destination is why it is marked Large.
    [Fact]
    [Trait("Category", "Large")]
    public void CopyInto_fills_a_tensor_over_2_GB()
    {
        const long big = int.MaxValue + 100_000_000L;
        byte[] head = [1, 2, 3, 4], tail = [252, 253, 254, 255];
        new SafeTensorsFile([new SafeTensor("big", SafeTensorsDType.U8, [big], big, stream =>
        {
            stream.Write(head);
            stream.Seek(big - head.Length - tail.Length, SeekOrigin.Current);
            stream.Write(tail);
        })]).Write(_path);

        using var file = SafeTensorsFile.Open(_path);
        using var destination = full([big], (byte)7, ScalarType.Byte);
        TorchSafeTensors.CopyInto(file["big"], destination);
        Assert.Equal(head, destination.narrow(0, 0, head.Length).data<byte>().ToArray());
        Assert.Equal(tail, destination.narrow(0, big - tail.Length, tail.Length).data<byte>().ToArray());
        Assert.Equal(0, destination.narrow(0, int.MaxValue - 2, 4).sum().item<long>());
    }
}
