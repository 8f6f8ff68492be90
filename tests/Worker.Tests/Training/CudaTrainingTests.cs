using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

/// <summary>The trainer's CUDA path: run by bench/gpu-check.sh on a GPU machine, reported as skipped elsewhere.</summary>
public sealed class CudaTrainingTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bertsl-cuda-" + Guid.NewGuid());
    private readonly string _vocab;

    public CudaTrainingTests()
    {
        Directory.CreateDirectory(_directory);
        _vocab = Path.Combine(_directory, "vocab.txt");
        File.WriteAllLines(_vocab, Enumerable.Range(0, SyntheticShards.VocabSize).Select(i => $"w{i}"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [CudaFact]
    public void ToInputs_on_cuda_copies_through_pinned_memory_to_the_same_values()
    {
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(8, seed: 6))]);
        var batch = data.Collate([.. Enumerable.Range(0, 8)], padId: 0);

        var onGpu = batch.ToInputs(CUDA);
        var onCpu = batch.ToInputs(CPU);

        Assert.Equal(DeviceType.CUDA, onGpu.InputIds.device.type);
        Assert.Equal(onCpu.InputIds.data<long>().ToArray(), onGpu.InputIds.cpu().data<long>().ToArray()); // .cpu() waits for the non-blocking copy
        Assert.Equal(onCpu.PredictedPositions!.data<long>().ToArray(), onGpu.PredictedPositions!.cpu().data<long>().ToArray());
    }

    [CudaFact]
    public void Train_on_cuda_in_every_precision_this_gpu_has_lowers_the_loss_with_fp32_master_weights()
    {
        var capability = CudaComputeCapability.Query();
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(256, seed: 4))]);
        TrainingPrecision[] precisions = capability >= new Version(8, 0) ? [TrainingPrecision.Fp32, TrainingPrecision.Bf16, TrainingPrecision.Fp16] : [TrainingPrecision.Fp32, TrainingPrecision.Fp16];
        foreach (var precision in precisions)
        {
            manual_seed(2);
            using var model = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
            model.to(CUDA);
            var recipe = new TrainingRecipe { BatchSize = 16, LearningRate = 2e-3, Epochs = 2, SaveEvery = 0, Precision = precision };
            using var trainer = new Trainer(model, recipe, new TrainingHardware { Device = "cuda", LogEvery = 1 });

            var outcome = trainer.Train(data, Path.Combine(_directory, precision.ToString()), _vocab);

            var history = outcome.State.LossHistory;
            Assert.All(history, m => Assert.True(double.IsFinite(m.Loss), $"{precision} step {m.Step}: loss {m.Loss}"));
            Assert.True(history[^1].MlmLoss < history[0].MlmLoss, $"{precision}: MLM loss {history[0].MlmLoss:F3} -> {history[^1].MlmLoss:F3}");
            Assert.All(model.UniqueNamedParameters(), p => Assert.Equal(ScalarType.Float32, p.Param.dtype));
            Assert.Equal(precision == TrainingPrecision.Fp16, outcome.State.LossScaler is not null);
        }
    }

    [CudaFact]
    public void Trainer_on_cuda_with_auto_precision_follows_the_compute_capability()
    {
        manual_seed(1);
        using var model = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        model.to(CUDA);

        using var trainer = new Trainer(model, new TrainingRecipe(), new TrainingHardware { Device = "cuda" });

        var ampere = CudaComputeCapability.Query() >= new Version(8, 0);
        Assert.Equal(new PrecisionChoice(ampere ? TrainingPrecision.Bf16 : TrainingPrecision.Fp16, Tf32Matmuls: ampere), trainer.Precision);
    }
}
