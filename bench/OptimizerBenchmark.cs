using BertServerless.Shared.Training;
using System.Diagnostics;
using BertServerless.Worker.Model;
using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Bench;

/// <summary>
/// Clip + AdamW step + zero grad: TorchSharp's per-parameter AdamW with <see cref="GradientClipping"/> against
/// <see cref="FlatAdamW"/>, on two copies of the same model holding the same random gradients. Steps alternate
/// between the two so a loaded machine slows both alike. Options: --presets small,base, --steps 10, --threads N.
/// </summary>
public static class OptimizerBenchmark
{
    public static Task<int> RunAsync(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        if (args.Number("--threads", 0) is > 0 and var threads) set_num_threads(threads);
        var steps = args.Number("--steps", 10);
        var options = new TrainingRecipe();
        Console.WriteLine($"threads {get_num_threads()}, {steps} timed steps each after 2 warm-up steps");
        foreach (var preset in args.List("--presets", "small,base"))
        {
            manual_seed(1);
            using var reference = new BertForPreTraining(BertConfig.Preset(preset));
            using var flat = new BertForPreTraining(BertConfig.Preset(preset));
            var referenceParameters = reference.UniqueNamedParameters();
            var (adamW, _) = TrainingOptimizer.Create(referenceParameters, options);
            using var adamWScope = adamW;
            using var flatAdamW = new FlatAdamW(flat.UniqueNamedParameters(), options);
            var seconds = new[] { 0.0, 0.0 };
            for (var step = -2; step < steps; step++)
            {
                FillGradients(referenceParameters);
                FillGradients(flat.UniqueNamedParameters());
                var referenceSeconds = Time(() =>
                {
                    using var norm = GradientClipping.ClipByGlobalNorm(referenceParameters.Select(p => p.Param), options.MaxGradNorm);
                    adamW.step();
                    adamW.zero_grad();
                });
                var flatSeconds = Time(() =>
                {
                    using var norm = flatAdamW.ClipGradNorm(options.MaxGradNorm);
                    flatAdamW.StepOnce();
                    flatAdamW.ZeroGrad();
                });
                if (step < 0) continue;
                seconds[0] += referenceSeconds;
                seconds[1] += flatSeconds;
            }
            var parameterCount = referenceParameters.Sum(p => p.Param.numel());
            Console.WriteLine($"{preset} ({parameterCount / 1e6:F0}M parameters in {referenceParameters.Count} tensors): TorchSharp AdamW + clipping {seconds[0] / steps * 1000:F0} ms/step, FlatAdamW {seconds[1] / steps * 1000:F0} ms/step, speed-up {seconds[0] / seconds[1]:F2}x");
        }
        return Task.FromResult(0);
    }

    // Writes into the existing gradient tensors (the flat ones are views of its buffer), or creates them.
    private static void FillGradients(IEnumerable<(string Name, TorchSharp.Modules.Parameter Param)> parameters)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (_, param) in parameters)
        {
            if (param.grad is { } grad) grad.normal_(0, 1e-3);
            else param.grad = randn_like(param) * 1e-3;
        }
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }
}
