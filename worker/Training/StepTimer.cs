using System.Diagnostics;
using BertServerless.Shared.Training;
using BertServerless.Worker.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// Times optimizer steps as the run will take them: the recipe's first batches (its batch size, accumulation and
/// precision, the data order's real lengths) on the model's device, after a warm-up pass over the same batches. A run
/// meets each batch shape's first-time costs (kernel selection, allocator growth) once and then repeats shapes for
/// thousands of steps; timing steps whose shapes were all new overestimated it (2026-12-03/04: 2 warm-up steps then 3
/// new ones were up to 63% high on the CPU and 19-50% high on an H200). The steps change the model they run on, so
/// give it one of its own.
/// </summary>
public static class StepTimer
{
    public const int TimedSteps = 3;
    public const int WarmupSteps = TimedSteps;

    /// <summary>Mean seconds of one optimizer step over <see cref="TimedSteps"/> steps, each timed the second time its batches are stepped.</summary>
    public static double SecondsPerStep(BertForPreTraining model, TrainingRecipe recipe, TrainingHardware hardware, ShardDataset data, CancellationToken cancellationToken)
    {
        var order = new BatchOrder(data, recipe.BatchSize, recipe.Seed, recipe.Shuffle, recipe.LengthBucketing).Epoch(0);
        using var trainer = new Trainer(model, recipe, hardware);
        var clock = new Stopwatch();
        for (var step = 0; step < WarmupSteps + TimedSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (step == WarmupSteps)
            {
                WaitForDevice(model);
                clock.Start();
            }
            using var scope = NewDisposeScope();
            // The epoch's batches in turn, the warm-up pass and then the timed one, from the epoch's start again when a
            // small book has fewer than the steps need.
            var microBatches = Enumerable.Range(step % TimedSteps * recipe.GradientAccumulation, recipe.GradientAccumulation)
                .Select(b => data.Collate(order[b % order.Count], model.Config.PadTokenId))
                .ToArray();
            trainer.Step(microBatches);
        }
        WaitForDevice(model);
        return clock.Elapsed.TotalSeconds / TimedSteps;
    }

    private static void WaitForDevice(BertForPreTraining model)
    {
        using var probe = model.parameters().First().sum();
        probe.item<float>();
    }
}
