namespace BertServerless.Shared.Training;

/// <summary>
/// The number format forward and backward run in (<c>precision=auto|fp32|bf16|fp16</c>); the optimizer keeps fp32
/// master weights in every case. <see cref="Auto"/> lets the worker choose by its device: fp32 on a CPU, bf16 on a GPU
/// that has it (compute capability 8.0 or newer), fp16 with loss scaling on an older one.
/// </summary>
public enum TrainingPrecision
{
    Auto,
    Fp32,
    Bf16,
    Fp16,
}
