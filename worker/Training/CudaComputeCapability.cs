using System.Diagnostics;

namespace BertServerless.Worker.Training;

/// <summary>
/// A CUDA device's compute capability (8.0 for A100, 7.5 for T4), which TorchSharp 0.107 does not expose: read from
/// <c>nvidia-smi</c>, which ships with the driver wherever a GPU is usable.
/// </summary>
public static class CudaComputeCapability
{
    /// <summary>The capability of GPU <paramref name="index"/>, or null when nvidia-smi is absent or names no such GPU.</summary>
    public static Version? Query(int index = 0)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", ["--query-gpu=compute_cap", "--format=csv,noheader", "-i", index.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? Parse(output) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no nvidia-smi on PATH: no usable NVIDIA driver either
        }
    }

    /// <summary>nvidia-smi's "8.6" (one line per GPU; the first is taken), or null when it is not a version.</summary>
    public static Version? Parse(string output)
        => Version.TryParse(output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var version) ? version : null;
}
