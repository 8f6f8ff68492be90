using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Seconds spent in each <see cref="StepPhase"/>, summed over steps. On CUDA it waits for the device at each phase's
/// end, so queued kernels are charged to the phase that queued them; those waits are what a training step must not do,
/// so time throughput without a clock and use one only for the breakdown. On the CPU every op is already synchronous.
/// </summary>
public sealed class StepPhaseClock(Device device)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly double[] _seconds = new double[Enum.GetValues<StepPhase>().Length];
    private TimeSpan _phaseStart;

    /// <summary>Marks the start of the first phase (before the caller collates its batch).</summary>
    public void Start()
    {
        Synchronize();
        _phaseStart = _clock.Elapsed;
    }

    /// <summary>Charges the time since the last mark to <paramref name="phase"/>.</summary>
    public void End(StepPhase phase)
    {
        Synchronize();
        var now = _clock.Elapsed;
        _seconds[(int)phase] += (now - _phaseStart).TotalSeconds;
        _phaseStart = now;
    }

    public double Seconds(StepPhase phase) => _seconds[(int)phase];

    private void Synchronize()
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize();
    }
}
