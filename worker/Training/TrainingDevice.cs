using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>Turns the <see cref="TrainingHardware.Device"/> setting into a libtorch device.</summary>
public static class TrainingDevice
{
    public static Device Resolve(string setting)
    {
        var name = setting.Trim().ToLowerInvariant();
        if (name == "auto") return cuda.is_available() ? CUDA : CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
            throw new ArgumentException($"Device '{setting}' was asked for, but CUDA is not available (this build may use the CPU libtorch: publish with -p:TorchDevice=cuda).");
        try
        {
            return new Device(name);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ArgumentException($"Device '{setting}' is not one of auto, cpu, cuda, cuda:N.", e);
        }
    }
}
