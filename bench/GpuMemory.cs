using System.Diagnostics;

namespace BertServerless.Bench;

/// <summary>
/// The GPU's name and memory in use, from nvidia-smi: TorchSharp 0.107 exposes neither the device properties nor
/// libtorch's allocator statistics. libtorch's caching allocator keeps what it reserved, so the memory in use after a
/// configuration is its peak reserve (plus the CUDA context, and anything else on the GPU).
/// </summary>
public static class GpuMemory
{
    public static string Name() => Query("name") ?? "unknown GPU";

    public static string UsedMegabytes() => Query("memory.used") ?? "unknown";

    private static string? Query(string field)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", [$"--query-gpu={field}", "--format=csv,noheader,nounits", "-i", "0"]) { RedirectStandardOutput = true })!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output.Split('\n')[0].Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
