using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using BertServerless.Worker.Tests.Training;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Evaluation;

public class EvaluatorTests
{
    private static BertForPreTraining TinyModel()
    {
        manual_seed(7);
        return new BertForPreTraining(BertConfig.Preset("tiny", SyntheticShards.VocabSize));
    }

    [Fact]
    public void Evaluate_mlm_loss_is_mean_over_all_predicted_tokens()
    {
        var model = TinyModel();
        var data = new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(12, seed: 8))]);

        // Reference: each sequence alone, its model loss (a mean over its own predicted tokens) weighted by its count.
        model.eval();
        double lossSum = 0, tokens = 0;
        using (no_grad())
            for (var i = 0; i < data.Count; i++)
            {
                var batch = data.Collate([i], padId: 0);
                if (batch.PredictedTokens == 0) continue;
                using var scope = NewDisposeScope();
                lossSum += model.call(batch.ToInputs(CPU)).MlmLoss!.item<float>() * batch.PredictedTokens;
                tokens += batch.PredictedTokens;
            }

        var whole = Evaluator.Evaluate(model, data, batchSize: 5);
        var single = Evaluator.Evaluate(model, data, batchSize: 1);

        Assert.Equal(lossSum / tokens, whole.MlmLoss, 4);
        Assert.Equal(single.MlmLoss, whole.MlmLoss, 4);
        Assert.Equal(single.NspLoss, whole.NspLoss, 4);
        Assert.Equal(12, whole.Sequences);
        Assert.Equal(Math.Exp(whole.MlmLoss), whole.Perplexity, 9);
    }

    [Fact]
    public void Evaluate_leaves_model_in_training_mode_it_found()
    {
        var model = TinyModel();
        model.train();

        Evaluator.Evaluate(model, new ShardDataset([SyntheticShards.Shard(SyntheticShards.Examples(4, seed: 8))]), batchSize: 4);

        Assert.True(model.training);
    }
}
