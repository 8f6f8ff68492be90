namespace BertServerless.Bench;

/// <summary>
/// The process's resident set from Linux's /proc/self/status: now (VmRSS) and its peak (VmHWM), which writing "5" to
/// /proc/self/clear_refs resets, so each benchmark configuration reports its own peak in one process.
/// </summary>
public static class ResidentSet
{
    public static double CurrentMegabytes() => Read("VmRSS:");

    public static double PeakMegabytes() => Read("VmHWM:");

    public static void ResetPeak()
    {
        if (OperatingSystem.IsLinux()) File.WriteAllText("/proc/self/clear_refs", "5");
    }

    // No GC.Collect here: tensors that escaped their dispose scope would be freed by finalizers and hide a leak.
    private static double Read(string field)
    {
        if (!OperatingSystem.IsLinux())
        {
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return (field == "VmHWM:" ? process.PeakWorkingSet64 : process.WorkingSet64) / 1e6;
        }
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024 / 1e6; // kB
    }
}
