using BertServerless.Shared.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>What <see cref="PrecisionPolicy.Choose"/> decided: the compute format, and whether fp32 matmuls may use TF32 tensor cores.</summary>
public sealed record PrecisionChoice(TrainingPrecision Precision, bool Tf32Matmuls)
{
    /// <summary>fp16's 5-bit exponent underflows on small gradients without loss scaling; bf16 has fp32's range.</summary>
    public bool NeedsLossScaling => Precision == TrainingPrecision.Fp16;

    /// <summary>The dtype of the model copy forward and backward run on, or null when they run on the fp32 master itself.</summary>
    public ScalarType? HalfType => Precision switch
    {
        TrainingPrecision.Bf16 => ScalarType.BFloat16,
        TrainingPrecision.Fp16 => ScalarType.Float16,
        _ => null,
    };

    /// <summary>Sets libtorch's process-wide switches letting cuBLAS and cuDNN run fp32 matmuls and convolutions in TF32.</summary>
    public void ApplyMatmulSetting()
    {
        backends.cuda.matmul.allow_tf32 = Tf32Matmuls;
        backends.cudnn.allow_tf32 = Tf32Matmuls;
    }

    /// <summary>"bf16", "fp32 (TF32 matmuls)", "fp16 (loss scaling)": as the model card and the bench print it.</summary>
    public override string ToString()
        => Precision.ToString().ToLowerInvariant() + (NeedsLossScaling ? " (loss scaling)" : Tf32Matmuls && Precision == TrainingPrecision.Fp32 ? " (TF32 matmuls)" : "");
}

/// <summary>
/// The <c>precision=auto|fp32|bf16|fp16</c> rule. bf16 and TF32 need Ampere (compute capability 8.0) or newer; older
/// tensor-core GPUs (V100 7.0, T4 7.5) have fast fp16 only, so auto takes fp16 with loss scaling there. Auto trains in
/// fp32 on the CPU, whose half-precision kernels are no faster without AVX-512 BF16 / AMX; asked for explicitly, bf16
/// and fp16 run there too (slowly: the way to test the mixed-precision path on a machine without a GPU).
/// </summary>
public static class PrecisionPolicy
{
    private static readonly Version Ampere = new(8, 0);

    public static PrecisionChoice Choose(TrainingPrecision setting, DeviceType device, Version? computeCapability)
    {
        var onGpu = device == DeviceType.CUDA;
        if (onGpu && computeCapability is null)
            throw new ArgumentException("The CUDA device's compute capability is unknown (nvidia-smi gave none), so the precision cannot be chosen or checked against it.", nameof(computeCapability));
        var ampere = onGpu && computeCapability >= Ampere;
        var precision = setting switch
        {
            TrainingPrecision.Auto => !onGpu ? TrainingPrecision.Fp32 : ampere ? TrainingPrecision.Bf16 : TrainingPrecision.Fp16,
            TrainingPrecision.Fp32 or TrainingPrecision.Bf16 or TrainingPrecision.Fp16 => setting,
            _ => throw new ArgumentException($"Precision '{setting}' is not one of auto, fp32, bf16, fp16.", nameof(setting)),
        };
        if (onGpu && precision == TrainingPrecision.Bf16 && !ampere)
            throw new ArgumentException($"bf16 needs compute capability 8.0 or newer; this GPU has {computeCapability}: use precision=fp16.", nameof(setting));
        return new PrecisionChoice(precision, Tf32Matmuls: ampere);
    }

    /// <summary><see cref="Choose"/> for the device a model sits on, asking the driver for a GPU's compute capability.</summary>
    public static PrecisionChoice For(TrainingPrecision setting, Device device)
        => Choose(setting, device.type, device.type == DeviceType.CUDA ? CudaComputeCapability.Query(Math.Max(0, (int)device.index)) : null);
}
