using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Bench;

/// <summary>
/// The FLOP/s to measure a training step against: the best of several large matmuls after a warm-up, at the
/// thread count, on the device and in the number format (fp32, or the bf16/fp16 a mixed-precision run computes in) given. The best, not the mean, since a peak is what the hardware can
/// do when nothing else interferes; a one-shot 2048² product (the old reference) caught the BLAS cold and undershot.
/// </summary>
public static class MatmulPeak
{
    public static double Measure(Device device, int size = 2048, int warmups = 3, int trials = 7, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var a = randn(size, size, dtype, device: device);
        var b = randn(size, size, dtype, device: device);
        for (var i = 0; i < warmups; i++) a.matmul(b).Dispose();
        var best = double.MaxValue;
        for (var i = 0; i < trials; i++)
        {
            Synchronize(device);
            var clock = Stopwatch.StartNew();
            using var product = a.matmul(b);
            Synchronize(device);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * size / best;
    }

    /// <summary><c>bench -- peak</c>: prints the peak for each size given (--sizes 1024,2048,4096), --device, --threads.</summary>
    public static Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        if (args.Number("--threads", 0) is > 0 and var threads) set_num_threads(threads);
        var device = Worker.Training.TrainingDevice.Resolve(args.Text("--device", "auto"));
        foreach (var size in args.List("--sizes", "1024,2048,4096").Select(int.Parse))
            Console.WriteLine($"matmul {size}x{size} fp32 on {device.type}, {get_num_threads()} threads: best of 7 after warm-up {Measure(device, size) / 1e9:F1} GFLOP/s");
        return Task.FromResult(0);
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize();
    }
}
