using BertServerless.Shared.Training;
using BertServerless.Shared.SafeTensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// AdamW with the same maths, groups and hyper-parameters as <see cref="TrainingOptimizer"/> (decoupled weight decay,
/// none on biases and LayerNorm, bias correction; TorchSharp's formulas op for op), but every parameter, gradient and
/// moment is a view into one contiguous fp32 buffer of its kind. A step is then seven large element-wise ops and
/// clipping two, instead of a C# loop of about ten small ops over each of BERT's two hundred parameters.
/// Construction moves the parameters' data into the buffer and points them and their gradients at it: from then on,
/// clear gradients with <see cref="ZeroGrad"/>, never by setting them to null (that would detach them from the buffer).
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly (string Name, Parameter Param)[] _order; // decayed first, so decay is one op on a prefix
    private readonly long[] _offsets;
    private readonly long _decayedLength;
    private readonly Tensor _weights, _grads, _expAvg, _expAvgSq; // (P) each
    private readonly double _beta1, _beta2, _epsilon, _weightDecay;

    public FlatAdamW(IReadOnlyList<(string Name, Parameter Param)> parameters, TrainingRecipe options)
    {
        _order = [.. parameters.Where(p => !TrainingOptimizer.IsExemptFromDecay(p.Name)), .. parameters.Where(p => TrainingOptimizer.IsExemptFromDecay(p.Name))];
        (_beta1, _beta2, _epsilon, _weightDecay, LearningRate) = (options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay, options.LearningRate);
        _offsets = new long[_order.Length + 1];
        for (var i = 0; i < _order.Length; i++) _offsets[i + 1] = _offsets[i] + _order[i].Param.numel();
        _decayedLength = _offsets[parameters.Count(p => !TrainingOptimizer.IsExemptFromDecay(p.Name))];

        var device = _order[0].Param.device;
        var total = _offsets[^1];
        _weights = zeros(total, ScalarType.Float32, device).DetachFromDisposeScope();
        _grads = zeros(total, ScalarType.Float32, device).DetachFromDisposeScope();
        _expAvg = zeros(total, ScalarType.Float32, device).DetachFromDisposeScope();
        _expAvgSq = zeros(total, ScalarType.Float32, device).DetachFromDisposeScope();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < _order.Length; i++)
        {
            var param = _order[i].Param;
            if (param.dtype != ScalarType.Float32) throw new ArgumentException($"Parameter '{_order[i].Name}' is {param.dtype}: the flat optimizer keeps fp32 master weights.");
            var slice = Slice(_weights, i);
            slice.copy_(param);
            param.set_(slice); // the parameter now lives in the buffer; tied names share the one tensor, so they follow
            param.grad = Slice(_grads, i);
        }
    }

    public double LearningRate { get; set; }

    /// <summary>Every parameter's gradient as one flat fp32 buffer, for whole-model checks such as the loss scaler's.</summary>
    public Tensor Gradients => _grads;

    /// <summary>Every master weight as one flat fp32 buffer, laid out as <see cref="Gradients"/>.</summary>
    public Tensor Weights => _weights;

    /// <summary>
    /// Points each of <paramref name="copies"/> (another model's parameters by name, such as a half-precision
    /// replica's) and its gradient at slices of <paramref name="weights"/> and <paramref name="grads"/>, laid out as
    /// this optimizer's buffers, so that one copy or add moves every parameter between the two models.
    /// </summary>
    public void Mirror(IReadOnlyDictionary<string, Parameter> copies, Tensor weights, Tensor grads)
    {
        if (weights.numel() != _weights.numel() || grads.numel() != _grads.numel())
            throw new ArgumentException($"Mirror buffers hold {weights.numel()} and {grads.numel()} elements; the model has {_weights.numel()}.");
        foreach (var (name, param) in _order)
            if (!copies.TryGetValue(name, out var copy) || !copy.shape.SequenceEqual(param.shape))
                throw new ArgumentException($"The mirrored model has no parameter '{name}' of shape [{string.Join(", ", param.shape)}].", nameof(copies));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < _order.Length; i++)
        {
            var copy = copies[_order[i].Name];
            copy.set_(Slice(weights, i));
            copy.grad = Slice(grads, i);
        }
    }

    /// <summary>Optimizer steps taken; one count for all parameters, since they always step together.</summary>
    public long Step { get; private set; }

    /// <summary>Parameters in buffer order (decayed group first), with the moments of each as views.</summary>
    public IEnumerable<(string Name, Parameter Param, Tensor ExpAvg, Tensor ExpAvgSq)> State()
        => _order.Select((p, i) => (p.Name, p.Param, Slice(_expAvg, i), Slice(_expAvgSq, i)));

    /// <summary>
    /// <see cref="GradientClipping.ClipByGlobalNorm"/> on the flat gradient: scales it by min(1, maxNorm / (norm + 1e-6))
    /// and returns the norm before clipping, as a tensor (no host sync).
    /// </summary>
    public Tensor ClipGradNorm(double maxNorm)
    {
        using var _ = no_grad();
        var norm = linalg.vector_norm(_grads, 2);
        if (maxNorm > 0) _grads.mul_((maxNorm / (norm + 1e-6)).clamp_max(1.0));
        return norm;
    }

    /// <summary>One AdamW step over all parameters at <see cref="LearningRate"/>.</summary>
    public void StepOnce()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Step++;
        var biasCorrection1 = 1 - Math.Pow(_beta1, Step);
        var biasCorrection2 = 1 - Math.Pow(_beta2, Step);
        if (_weightDecay != 0 && _decayedLength > 0) _weights.narrow(0, 0, _decayedLength).mul_(1 - LearningRate * _weightDecay);
        _expAvg.mul_(_beta1).add_(_grads, alpha: 1 - _beta1);
        _expAvgSq.mul_(_beta2).addcmul_(_grads, _grads, value: 1 - _beta2);
        var denom = _expAvgSq.sqrt().div_(Math.Sqrt(biasCorrection2)).add_(_epsilon); // one temporary the size of the model, not two
        _weights.addcdiv_(_expAvg, denom, value: -LearningRate / biasCorrection1);
    }

    /// <summary>Zeroes the gradient buffer in place, keeping every parameter's gradient a view of it.</summary>
    public void ZeroGrad()
    {
        using var _ = no_grad();
        _grads.zero_();
    }

    /// <summary>Writes the moments in <see cref="OptimizerStateFile"/>'s format, so either optimizer resumes from the other's file.</summary>
    public void Save(string path)
    {
        using var scope = NewDisposeScope();
        OptimizerStateFile.Write(path, [.. Moments().Select(m => (m, Step))]);
    }

    /// <summary>Restores moments and step count saved by <see cref="Save"/> or <see cref="OptimizerStateFile.Save"/>, checking every name and shape.</summary>
    public void Load(string path)
    {
        using var scope = NewDisposeScope();
        var steps = OptimizerStateFile.Read(path, [.. Moments()]).Distinct().ToArray();
        Step = steps.Length == 1 ? steps[0] : throw new InvalidDataException($"Optimizer state '{path}' has parameters at different step counts ({string.Join(", ", steps)}); the flat optimizer steps all together.");
    }

    private IEnumerable<OptimizerStateFile.Moments> Moments()
        => State().Select(s => new OptimizerStateFile.Moments(s.Name, s.Param, s.ExpAvg, s.ExpAvgSq));

    private Tensor Slice(Tensor buffer, int index)
        => buffer.narrow(0, _offsets[index], _offsets[index + 1] - _offsets[index]).view(_order[index].Param.shape);

    public void Dispose()
    {
        _weights.Dispose();
        _grads.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
    }
}
