using BertServerless.Shared.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// AdamW over the model's unique parameters in two groups, as Hugging Face and BERT's own optimizer do: weight decay
/// on weight matrices and embeddings, none on biases and LayerNorm weights (decaying them only fights normalisation).
/// </summary>
public static class TrainingOptimizer
{
    /// <summary>
    /// Builds the optimizer and returns the parameters in the optimizer's own order (decayed group first), which is
    /// how its per-parameter state is addressed. The parameters must already sit on the training device, since the
    /// moments are allocated beside them; and no dispose scope may be open, or it would free the moments.
    /// </summary>
    public static (AdamW Optimizer, IReadOnlyList<(string Name, Parameter Param)> Order) Create(
        IReadOnlyList<(string Name, Parameter Param)> parameters, TrainingRecipe recipe)
    {
        var decayed = parameters.Where(p => !IsExemptFromDecay(p.Name)).ToList();
        var exempt = parameters.Where(p => IsExemptFromDecay(p.Name)).ToList();
        var groups = new[]
        {
            new AdamW.ParamGroup(decayed.Select(p => p.Param), recipe.LearningRate, recipe.AdamBeta1, recipe.AdamBeta2, recipe.AdamEpsilon, recipe.WeightDecay),
            new AdamW.ParamGroup(exempt.Select(p => p.Param), recipe.LearningRate, recipe.AdamBeta1, recipe.AdamBeta2, recipe.AdamEpsilon, weight_decay: 0),
        };
        var optimizer = optim.AdamW(groups, recipe.LearningRate, recipe.AdamBeta1, recipe.AdamBeta2, recipe.AdamEpsilon, recipe.WeightDecay);
        return (optimizer, [.. decayed, .. exempt]);
    }

    /// <summary>Hugging Face's rule, by name: every bias, and every parameter of a LayerNorm.</summary>
    public static bool IsExemptFromDecay(string name)
        => name.EndsWith(".bias", StringComparison.Ordinal) || name == "bias" || name.Contains("LayerNorm.", StringComparison.Ordinal);

    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
