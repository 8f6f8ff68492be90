using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class PrecisionPolicyTests
{
    [Theory]
    [InlineData("8.0", Precision.Bf16, true)] // A100
    [InlineData("9.0", Precision.Bf16, true)] // H100
    [InlineData("7.5", Precision.Fp16, false)] // T4
    [InlineData("7.0", Precision.Fp16, false)] // V100
    public void Choose_autoOnGpu_picksByComputeCapability(string capability, Precision expected, bool tf32)
    {
        var choice = PrecisionPolicy.Choose("auto", DeviceType.CUDA, Version.Parse(capability));
        Assert.Equal(new PrecisionChoice(expected, tf32), choice);
        Assert.Equal(expected == Precision.Fp16, choice.NeedsLossScaling);
    }

    [Fact]
    public void Choose_autoOnCpu_isFp32WithoutTf32()
        => Assert.Equal(new PrecisionChoice(Precision.Fp32, false), PrecisionPolicy.Choose("auto", DeviceType.CPU, null));

    [Theory]
    [InlineData("fp32", "8.6", Precision.Fp32, true)]
    [InlineData("FP32", "7.5", Precision.Fp32, false)]
    [InlineData("fp16", "8.0", Precision.Fp16, true)]
    [InlineData("bf16", "8.9", Precision.Bf16, true)]
    public void Choose_explicitSetting_isHonoured(string setting, string capability, Precision expected, bool tf32)
        => Assert.Equal(new PrecisionChoice(expected, tf32), PrecisionPolicy.Choose(setting, DeviceType.CUDA, Version.Parse(capability)));

    [Fact]
    public void Choose_bf16BeforeAmpere_explainsAndSuggestsFp16()
    {
        var error = Assert.Throws<ArgumentException>(() => PrecisionPolicy.Choose("bf16", DeviceType.CUDA, new Version(7, 5)));
        Assert.Contains("use fp16", error.Message);
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("fp16")]
    public void Choose_halfPrecisionOnCpu_throws(string setting)
        => Assert.Throws<ArgumentException>(() => PrecisionPolicy.Choose(setting, DeviceType.CPU, null));

    [Fact]
    public void Choose_unknownSetting_namesTheChoices()
        => Assert.Contains("auto, fp32, bf16, fp16", Assert.Throws<ArgumentException>(() => PrecisionPolicy.Choose("fp8", DeviceType.CUDA, new Version(9, 0))).Message);

    [Theory]
    [InlineData("8.6\n", "8.6")]
    [InlineData("7.5\n7.5\n", "7.5")]
    public void Parse_nvidiaSmiOutput_readsFirstGpu(string output, string expected)
        => Assert.Equal(Version.Parse(expected), CudaComputeCapability.Parse(output));

    [Fact]
    public void Parse_errorText_isNull() => Assert.Null(CudaComputeCapability.Parse("No devices were found"));

    [CudaFact]
    public void Choose_thisGpu_trainsAStepInTheChosenPrecision()
    {
        var choice = PrecisionPolicy.Choose("auto", DeviceType.CUDA, CudaComputeCapability.Query());
        choice.ApplyMatmulSetting();
        manual_seed(3);
        using var master = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        master.to(CUDA).train();
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(8, seed: 6))]);
        var inputs = data.Collate([.. Enumerable.Range(0, 8)], padId: 0).ToInputs(CUDA);
        using var optimizer = new FlatAdamW(master.UniqueNamedParameters(), new TrainingRecipe());
        using var replica = new HalfPrecisionReplica(master, choice.Precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float16);
        var scaler = new DynamicLossScaler();
        using var before = master.UniqueNamedParameters()[0].Param.clone();

        using (NewDisposeScope())
        {
            var loss = replica.Model.call(inputs).Loss!;
            (choice.NeedsLossScaling ? scaler.ScaleLoss(loss) : loss).backward();
        }
        replica.PushGradients();
        var masterGrads = master.UniqueNamedParameters().Select(p => p.Param.grad!).ToList();
        var finite = !choice.NeedsLossScaling || scaler.UnscaleAndUpdate(masterGrads);
        using (optimizer.ClipGradNorm(1.0)) if (finite) optimizer.StepOnce();
        replica.PullWeights();

        Assert.True(finite);
        Assert.False(equal(before, master.UniqueNamedParameters()[0].Param).item<bool>());
    }
}
