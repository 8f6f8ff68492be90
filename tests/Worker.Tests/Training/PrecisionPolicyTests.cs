using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class PrecisionPolicyTests
{
    [Theory]
    [InlineData("8.0", TrainingPrecision.Bf16, true)] // A100
    [InlineData("9.0", TrainingPrecision.Bf16, true)] // H100
    [InlineData("7.5", TrainingPrecision.Fp16, false)] // T4
    [InlineData("7.0", TrainingPrecision.Fp16, false)] // V100
    public void Choose_autoOnGpu_picksByComputeCapability(string capability, TrainingPrecision expected, bool tf32)
    {
        var choice = PrecisionPolicy.Choose(TrainingPrecision.Auto, DeviceType.CUDA, Version.Parse(capability));
        Assert.Equal(new PrecisionChoice(expected, tf32), choice);
        Assert.Equal(expected == TrainingPrecision.Fp16, choice.NeedsLossScaling);
    }

    [Fact]
    public void Choose_autoOnCpu_isFp32WithoutTf32()
        => Assert.Equal(new PrecisionChoice(TrainingPrecision.Fp32, false), PrecisionPolicy.Choose(TrainingPrecision.Auto, DeviceType.CPU, null));

    [Theory]
    [InlineData(TrainingPrecision.Fp32, "8.6", true)]
    [InlineData(TrainingPrecision.Fp32, "7.5", false)]
    [InlineData(TrainingPrecision.Fp16, "8.0", true)]
    [InlineData(TrainingPrecision.Bf16, "8.9", true)]
    public void Choose_explicitSetting_isHonoured(TrainingPrecision setting, string capability, bool tf32)
        => Assert.Equal(new PrecisionChoice(setting, tf32), PrecisionPolicy.Choose(setting, DeviceType.CUDA, Version.Parse(capability)));

    [Fact]
    public void Choose_bf16BeforeAmpere_explainsAndSuggestsFp16()
    {
        var error = Assert.Throws<ArgumentException>(() => PrecisionPolicy.Choose(TrainingPrecision.Bf16, DeviceType.CUDA, new Version(7, 5)));
        Assert.Contains("use precision=fp16", error.Message);
    }

    [Theory]
    [InlineData(TrainingPrecision.Bf16, ScalarType.BFloat16)]
    [InlineData(TrainingPrecision.Fp16, ScalarType.Float16)]
    public void Choose_halfPrecisionOnCpu_whenAskedFor_isHonouredWithoutTf32(TrainingPrecision setting, ScalarType dtype)
    {
        var choice = PrecisionPolicy.Choose(setting, DeviceType.CPU, null);
        Assert.Equal(new PrecisionChoice(setting, false), choice);
        Assert.Equal(dtype, choice.HalfType);
    }

    [Fact]
    public void Choose_gpuWithUnknownCapability_throws()
        => Assert.Contains("compute capability is unknown", Assert.Throws<ArgumentException>(() => PrecisionPolicy.Choose(TrainingPrecision.Auto, DeviceType.CUDA, null)).Message);

    [Theory]
    [InlineData("fp16", TrainingPrecision.Fp16)]
    [InlineData("BF16", TrainingPrecision.Bf16)]
    [InlineData("auto", TrainingPrecision.Auto)]
    public void Recipe_precisionKnob_parsesAsStatusJsonWritesIt(string value, TrainingPrecision expected)
    {
        var recipe = new TrainingRecipe();
        Assert.True(BertServerless.Shared.Knobs.TrySet(recipe, "precision", value));
        Assert.Equal(expected, recipe.Precision);
        Assert.Equal(value.ToLowerInvariant(), BertServerless.Shared.Knobs.Format(recipe.Precision));
    }

    [Fact]
    public void Recipe_unknownPrecision_namesTheChoices()
        => Assert.Contains("one of auto, fp32, bf16, fp16", Assert.Throws<ArgumentException>(() => BertServerless.Shared.Knobs.TrySet(new TrainingRecipe(), "precision", "fp8")).Message);

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
        var choice = PrecisionPolicy.Choose(TrainingPrecision.Auto, DeviceType.CUDA, CudaComputeCapability.Query());
        choice.ApplyMatmulSetting();
        manual_seed(3);
        using var master = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        master.to(CUDA).train();
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(8, seed: 6))]);
        var inputs = data.Collate([.. Enumerable.Range(0, 8)], padId: 0).ToInputs(CUDA);
        using var optimizer = new FlatAdamW(master.UniqueNamedParameters(), new TrainingRecipe());
        using var replica = new HalfPrecisionReplica(master, choice.HalfType!.Value, optimizer);
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
        Assert.False(before.equal(master.UniqueNamedParameters()[0].Param).all().item<bool>(), "the step left the first master weight as it was"); // equal is element-wise in TorchSharp
    }
}
