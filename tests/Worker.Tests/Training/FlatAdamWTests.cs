using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class FlatAdamWTests
{
    private static readonly TrainingRecipe Options = new() { LearningRate = 1e-2, WeightDecay = 0.1 };

    private static BertConfig Tiny() => new()
    {
        VocabSize = 100, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 16,
    };

    private static BertInputs Batch(int seed)
    {
        var generator = new Generator((ulong)seed);
        var ids = randint(1, 100, [3, 10], dtype: ScalarType.Int64, generator: generator);
        var mask = ones(3, 10, dtype: ScalarType.Int64);
        mask[2, TensorIndex.Slice(6)] = tensor(0L);
        var labels = where(rand([3, 10], generator: generator) < 0.3, ids, tensor(-100L)).masked_fill(mask.eq(0), -100L);
        labels[0, 1] = ids[0, 1];
        return new BertInputs(ids, zeros(3, 10, dtype: ScalarType.Int64), mask, labels, tensor(new long[] { 0, 1, 1 }));
    }

    private static BertForPreTraining Model()
    {
        manual_seed(0);
        var model = new BertForPreTraining(Tiny());
        model.eval(); // no dropout: both models see the same forward
        return model;
    }

    private static void AssertSameWeights(BertForPreTraining expected, BertForPreTraining actual, double tolerance)
    {
        var actualParameters = actual.UniqueNamedParameters().ToDictionary(p => p.Name, p => p.Param);
        foreach (var (name, param) in expected.UniqueNamedParameters())
            Assert.True(allclose(param, actualParameters[name], rtol: 0, atol: tolerance), $"{name}: {(param - actualParameters[name]).abs().max().item<float>()}");
    }

    [Fact]
    public void StepOnce_fiveStepsOnBert_matchesTorchSharpAdamW()
    {
        using var reference = Model();
        using var flat = Model();
        var (adamW, _) = TrainingOptimizer.Create(reference.UniqueNamedParameters(), Options);
        using var flatAdamW = new FlatAdamW(flat.UniqueNamedParameters(), Options);

        for (var step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var learningRate = 1e-2 / (step + 1);
            TrainingOptimizer.SetLearningRate(adamW, learningRate);
            flatAdamW.LearningRate = learningRate;
            reference.call(Batch(step)).Loss!.backward();
            flat.call(Batch(step)).Loss!.backward();
            // No clipping here: the two norms sum in different orders, and a last-bit difference in the scale is
            // magnified by Adam on gradients that are rounding noise (key biases, whose true gradient is zero).
            adamW.step();
            flatAdamW.StepOnce();
            adamW.zero_grad();
            flatAdamW.ZeroGrad();
        }

        AssertSameWeights(reference, flat, 1e-6);
        Assert.Equal(5, flatAdamW.Step);
        adamW.Dispose();
    }

    [Fact]
    public void Constructor_tiedDecoder_staysTiedToWordEmbeddings()
    {
        using var model = Model();
        using var optimizer = new FlatAdamW(model.UniqueNamedParameters(), Options);
        var state = model.state_dict();

        using (no_grad()) state[BertForPreTraining.WordEmbeddingsWeight][3, 3] = tensor(42f);

        Assert.Equal(42f, state[BertForPreTraining.TiedDecoderWeight][3, 3].item<float>());
    }

    [Fact]
    public void ClipGradNorm_overLimit_matchesGradientClipping()
    {
        Parameter[] reference = [new(zeros(2)), new(zeros(3))];
        Parameter[] flat = [new(zeros(2)), new(zeros(3))];
        using var optimizer = new FlatAdamW([("a.weight", flat[0]), ("a.bias", flat[1])], Options);
        float[][] grads = [[3f, 1f], [0f, 4f, -2f]];
        for (var i = 0; i < 2; i++)
        {
            reference[i].grad = tensor(grads[i]);
            using var grad = flat[i].grad!;
            grad.copy_(tensor(grads[i]));
        }

        using var expectedNorm = GradientClipping.ClipByGlobalNorm(reference, 1.0);
        using var norm = optimizer.ClipGradNorm(1.0);

        Assert.Equal(expectedNorm.item<float>(), norm.item<float>(), 1e-6f);
        for (var i = 0; i < 2; i++) Assert.True(allclose(reference[i].grad!, flat[i].grad!, rtol: 0, atol: 1e-7));
    }

    [Fact]
    public void Load_torchSharpAdamWStateFile_continuesExactlyAsTheOriginal()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flat-adamw-{Guid.NewGuid()}.safetensors");
        using var reference = Model();
        var (adamW, order) = TrainingOptimizer.Create(reference.UniqueNamedParameters(), Options);
        for (var step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            reference.call(Batch(step)).Loss!.backward();
            adamW.step();
            adamW.zero_grad();
        }
        OptimizerStateFile.Save(adamW, order, path);
        using var resumed = Model();
        using (no_grad())
        {
            var weights = reference.UniqueNamedParameters().ToDictionary(p => p.Name, p => p.Param);
            foreach (var (name, param) in resumed.UniqueNamedParameters()) param.copy_(weights[name]);
        }
        using var flatAdamW = new FlatAdamW(resumed.UniqueNamedParameters(), Options);
        flatAdamW.Load(path);
        File.Delete(path);

        using (NewDisposeScope())
        {
            reference.call(Batch(2)).Loss!.backward();
            resumed.call(Batch(2)).Loss!.backward();
            adamW.step();
            flatAdamW.StepOnce();
        }

        Assert.Equal(3, flatAdamW.Step);
        AssertSameWeights(reference, resumed, 1e-6);
        adamW.Dispose();
    }

    [Fact]
    public void Save_thenOptimizerStateFileLoad_restoresTheSameMoments()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flat-adamw-{Guid.NewGuid()}.safetensors");
        using var flat = Model();
        using var flatAdamW = new FlatAdamW(flat.UniqueNamedParameters(), Options);
        using (NewDisposeScope())
        {
            flat.call(Batch(0)).Loss!.backward();
            flatAdamW.StepOnce();
        }
        flatAdamW.Save(path);
        using var other = Model();
        var (adamW, order) = TrainingOptimizer.Create(other.UniqueNamedParameters(), Options);
        using (NewDisposeScope())
        {
            other.call(Batch(0)).Loss!.backward(); // TorchSharp's AdamW allocates its moments on the first step
            adamW.step();
        }

        OptimizerStateFile.Load(adamW, order, path);
        File.Delete(path);

        var states = adamW.state_dict().State.Cast<AdamW.State>().ToArray();
        var flatStates = flatAdamW.State().ToDictionary(s => s.Name);
        for (var i = 0; i < order.Count; i++)
        {
            Assert.True(allclose(states[i].exp_avg, flatStates[order[i].Name].ExpAvg, rtol: 0, atol: 0), order[i].Name);
            Assert.Equal(1, states[i].step);
        }
        adamW.Dispose();
    }
}
