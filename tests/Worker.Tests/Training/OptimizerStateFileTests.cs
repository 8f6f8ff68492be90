using BertServerless.Shared.Training;
using BertServerless.Worker.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class OptimizerStateFileTests
{
    private static (string, Parameter)[] Parameters() =>
    [
        ("encoder.weight", new Parameter(tensor(new float[] { 1f, -2f, 3f, -4f }, [2, 2]))),
        ("encoder.LayerNorm.bias", new Parameter(tensor(new float[] { 0.5f, -0.5f }))),
    ];

    private static void Step(optim.Optimizer optimizer, (string, Parameter)[] parameters, float scale)
    {
        optimizer.zero_grad();
        using var loss = parameters.Select(p => (p.Item2 * p.Item2 * scale).sum()).Aggregate((a, b) => a + b);
        loss.backward();
        optimizer.step();
    }

    [Fact]
    public void Load_of_saved_moments_continues_exactly_as_the_original()
    {
        var path = Path.Combine(Path.GetTempPath(), $"optimizer-{Guid.NewGuid()}.safetensors");
        var options = new TrainingRecipe { LearningRate = 0.1 };
        var original = Parameters();
        var (optimizer, order) = TrainingOptimizer.Create(original, options);
        Step(optimizer, original, 1f);
        Step(optimizer, original, 2f);
        OptimizerStateFile.Save(optimizer, order, path);

        var copy = Parameters();
        using (no_grad())
            for (var i = 0; i < copy.Length; i++) copy[i].Item2.copy_(original[i].Item2);
        var (restored, restoredOrder) = TrainingOptimizer.Create(copy, options);
        OptimizerStateFile.Load(restored, restoredOrder, path);
        File.Delete(path);

        Step(optimizer, original, 3f);
        Step(restored, copy, 3f);
        for (var i = 0; i < copy.Length; i++)
            Assert.Equal(original[i].Item2.data<float>().ToArray(), copy[i].Item2.data<float>().ToArray());
        Assert.NotEqual(Parameters()[0].Item2.data<float>().ToArray(), copy[0].Item2.data<float>().ToArray());
    }

    [Fact]
    public void Create_exempts_biases_and_LayerNorm_from_weight_decay()
    {
        Assert.True(TrainingOptimizer.IsExemptFromDecay("bert.encoder.layer.0.output.LayerNorm.weight"));
        Assert.True(TrainingOptimizer.IsExemptFromDecay("cls.predictions.bias"));
        Assert.False(TrainingOptimizer.IsExemptFromDecay("bert.embeddings.word_embeddings.weight"));
        Assert.False(TrainingOptimizer.IsExemptFromDecay("bert.encoder.layer.0.attention.self.query.weight"));
    }
}
