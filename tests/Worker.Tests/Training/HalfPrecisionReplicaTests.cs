using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class HalfPrecisionReplicaTests
{
    [Fact]
    public void PushGradients_gives_fp32_master_the_bf16_copy_gradients_close_to_fp32_ones()
    {
        manual_seed(3);
        var master = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        master.eval(); // no dropout: both passes must see the same network
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(8, seed: 6))]);
        var batch = data.Collate([.. Enumerable.Range(0, 8)], padId: 0);
        using var optimizer = new FlatAdamW(master.UniqueNamedParameters(), new TrainingRecipe());
        using var replica = new HalfPrecisionReplica(master, ScalarType.BFloat16, optimizer);

        replica.Model.call(batch.ToInputs(CPU)).Loss!.backward();
        replica.PushGradients();
        var mixed = master.UniqueNamedParameters().Select(p => p.Param.grad!.clone()).ToArray();
        foreach (var (_, p) in master.UniqueNamedParameters()) p.grad = null;
        master.call(batch.ToInputs(CPU)).Loss!.backward();
        var exact = master.UniqueNamedParameters().Select(p => p.Param.grad!).ToArray();

        Assert.All(mixed, g => Assert.Equal(ScalarType.Float32, g.dtype));
        var relativeError = linalg.vector_norm(cat(mixed.Zip(exact, (m, e) => (m - e).flatten()).ToArray()), 2).item<float>()
                            / linalg.vector_norm(cat(exact.Select(e => e.flatten()).ToArray()), 2).item<float>();
        Assert.InRange(relativeError, 1e-6, 0.05); // bf16 rounding shows, but the gradient is the same one
        Assert.All(replica.Model.UniqueNamedParameters(), p => Assert.Equal(0f, p.Param.grad!.abs().sum().to(ScalarType.Float32).item<float>()));
    }

    [Fact]
    public void PullWeights_rounds_master_weights_into_the_copy()
    {
        manual_seed(3);
        var master = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        using var optimizer = new FlatAdamW(master.UniqueNamedParameters(), new TrainingRecipe());
        using var replica = new HalfPrecisionReplica(master, ScalarType.BFloat16, optimizer);
        using (no_grad()) master.UniqueNamedParameters()[0].Param.add_(1.0);

        replica.PullWeights();

        var (_, masterWeight) = master.UniqueNamedParameters()[0];
        var (_, copyWeight) = replica.Model.UniqueNamedParameters()[0];
        Assert.Equal(ScalarType.BFloat16, copyWeight.dtype);
        Assert.True(masterWeight.to(ScalarType.BFloat16).eq(copyWeight).all().item<bool>());
    }

    [Fact]
    public void Replica_parameters_are_views_of_one_buffer_in_the_optimizers_layout()
    {
        manual_seed(3);
        var master = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        using var optimizer = new FlatAdamW(master.UniqueNamedParameters(), new TrainingRecipe());
        using var replica = new HalfPrecisionReplica(master, ScalarType.Float16, optimizer);
        var copies = replica.Model.UniqueNamedParameters();

        using (no_grad()) copies[0].Param.grad!.fill_(2.0);
        replica.PushGradients();

        Assert.All(copies, p => Assert.Equal(ScalarType.Float16, p.Param.dtype));
        Assert.Equal(master.UniqueNamedParameters().Sum(p => p.Param.numel()), copies.Sum(p => p.Param.numel()));
        Assert.Equal(2.0 * copies[0].Param.numel(), optimizer.Gradients.sum().item<float>(), precision: 1);
        Assert.Equal(0f, copies[0].Param.grad!.abs().sum().to(ScalarType.Float32).item<float>());
    }

    [Fact]
    public void Mirror_of_a_model_with_other_parameters_names_the_missing_one()
    {
        var master = new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
        using var optimizer = new FlatAdamW(master.UniqueNamedParameters(), new TrainingRecipe());
        var copies = master.UniqueNamedParameters().Skip(1).ToDictionary(p => p.Name, p => p.Param);

        var error = Assert.Throws<ArgumentException>(() => optimizer.Mirror(copies, zeros(optimizer.Weights.numel()), zeros(optimizer.Gradients.numel())));

        Assert.Contains(master.UniqueNamedParameters()[0].Name, error.Message);
    }
}
