using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>The number format forward and backward run in; the optimizer's master weights are fp32 in every case.</summary>
public enum Precision
{
    Fp32,
    Bf16,
    Fp16,
}

/// <summary>What <see cref="PrecisionPolicy.Choose"/> decided: the compute format, and whether fp32 matmuls may use TF32 tensor cores.</summary>
public sealed record PrecisionChoice(Precision Precision, bool Tf32Matmuls)
{
    /// <summary>fp16's 5-bit exponent underflows on small gradients without loss scaling; bf16 has fp32's range.</summary>
    public bool NeedsLossScaling => Precision == Precision.Fp16;

    /// <summary>Sets libtorch's process-wide switches letting cuBLAS and cuDNN run fp32 matmuls and convolutions in TF32.</summary>
    public void ApplyMatmulSetting()
    {
        backends.cuda.matmul.allow_tf32 = Tf32Matmuls;
        backends.cudnn.allow_tf32 = Tf32Matmuls;
    }
}

/// <summary>
/// The <c>--precision auto|fp32|bf16|fp16</c> rule. bf16 and TF32 need Ampere (compute capability 8.0) or newer; older
/// tensor-core GPUs (V100 7.0, T4 7.5) have fast fp16 only, so auto takes fp16 with loss scaling there. The CPU trains in fp32.
/// </summary>
public static class PrecisionPolicy
{
    private static readonly Version Ampere = new(8, 0);

    public static PrecisionChoice Choose(string setting, DeviceType device, Version? computeCapability)
    {
        var onGpu = device == DeviceType.CUDA;
        if (onGpu && computeCapability is null)
            throw new ArgumentException("The CUDA device's compute capability is unknown, so --precision cannot be checked against it.", nameof(computeCapability));
        var ampere = onGpu && computeCapability >= Ampere;
        var precision = setting.Trim().ToLowerInvariant() switch
        {
            "auto" => !onGpu ? Precision.Fp32 : ampere ? Precision.Bf16 : Precision.Fp16,
            "fp32" => Precision.Fp32,
            "bf16" => Precision.Bf16,
            "fp16" => Precision.Fp16,
            _ => throw new ArgumentException($"Precision '{setting}' is not one of auto, fp32, bf16, fp16.", nameof(setting)),
        };
        if (precision != Precision.Fp32 && !onGpu)
            throw new ArgumentException($"{precision} training needs a CUDA device; on the CPU train in fp32.", nameof(setting));
        if (precision == Precision.Bf16 && !ampere)
            throw new ArgumentException($"bf16 needs compute capability 8.0 or newer; this GPU has {computeCapability}: use fp16.", nameof(setting));
        return new PrecisionChoice(precision, Tf32Matmuls: ampere);
    }
}
