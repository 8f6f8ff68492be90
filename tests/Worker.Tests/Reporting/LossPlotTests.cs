using BertServerless.Shared.Training;
using BertServerless.Worker.Reporting;
using BertServerless.Worker.Training;

namespace BertServerless.Worker.Tests.Reporting;

public sealed class LossPlotTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string _directory = Directory.CreateTempSubdirectory("loss-plot-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static TrainingMetrics At(int step, double mlm) => new(step, mlm + 0.7, mlm, 0.7, 0.1, 0.5, 1e-4 * step / 100, 1.0);

    [Fact]
    public void Save_loss_history_writes_a_png_of_the_requested_size()
    {
        var path = Path.Combine(_directory, CheckpointLayout.LossPlotFile);
        LossPlot.Save([.. Enumerable.Range(1, 50).Select(i => At(i * 10, 10 - i * 0.1))], "job abc", path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal(900, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16))); // IHDR width
        Assert.Equal(500, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))); // IHDR height
        Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes: too small to hold three curves and their labels");
    }

    [Fact]
    public void Save_empty_or_diverged_history_still_writes_a_png()
    {
        var empty = Path.Combine(_directory, "empty.png");
        var diverged = Path.Combine(_directory, "diverged.png");
        LossPlot.Save([], "nothing yet", empty);
        LossPlot.Save([At(10, 5), At(20, double.NaN), At(30, double.PositiveInfinity)], "diverged", diverged);

        Assert.Equal(PngSignature, File.ReadAllBytes(empty)[..8]);
        Assert.Equal(PngSignature, File.ReadAllBytes(diverged)[..8]);
    }
}
