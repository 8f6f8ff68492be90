using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

/// <summary>A fact that needs a CUDA device: reported as skipped, with the reason, where libtorch sees none.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!cuda.is_available()) Skip = "No CUDA device: this build or machine has only the CPU libtorch (publish with -p:TorchDevice=cuda on a GPU machine).";
    }
}
