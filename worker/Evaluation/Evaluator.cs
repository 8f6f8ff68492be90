using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Evaluation;

/// <summary>Scores a model on held-out shards with their own masks and NSP labels, without dropout.</summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(BertForPreTraining model, ShardDataset data, int batchSize, CancellationToken cancellationToken = default)
    {
        var device = model.parameters().First().device;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var totals = new PretrainingTotals(device);
            // Order does not change the sums, so sort by length: batches of alike lengths carry the least padding.
            var order = Enumerable.Range(0, data.Count).OrderBy(data.Length).Chunk(batchSize);
            foreach (var indices in order)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var inputs = data.Collate(indices, model.Config.PadTokenId).ToInputs(device);
                var output = model.call(inputs);
                totals.Add(output, inputs.Labels!, inputs.NextSentenceLabel!);
            }
            return totals.Read();
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
