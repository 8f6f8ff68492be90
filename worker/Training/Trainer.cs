using System.Diagnostics;
using BertServerless.Shared.Shards;
using BertServerless.Shared.Training;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// The pre-training loop, read top to bottom like nanoGPT's <c>train.py</c>: set LR, reseed dropout, micro-steps with
/// gradient accumulation, clip, step, zero grad, log, checkpoint, stop. <see cref="Step"/> is one optimizer step on
/// its own, for the loop and the benchmark alike; a two-phase run switches datasets at <see cref="TrainingPhases"/>'
/// step. Each step runs in its own dispose scope so its tensors die with it, and the device is only waited for at log
/// intervals (and, in fp16, once a step for the loss scaler's overflow check).
/// In bf16 or fp16 (<see cref="PrecisionPolicy"/>) forward and backward run on a <see cref="HalfPrecisionReplica"/>
/// while the optimizer updates the fp32 master.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly BertForPreTraining _model;
    private readonly TrainingRecipe _recipe;
    private readonly int _logEvery;
    private readonly Device _device;
    private readonly IReadOnlyList<(string Name, Parameter Param)> _parameters;
    private readonly FlatAdamW _optimizer;
    private readonly HalfPrecisionReplica? _replica;
    private readonly bool _prefetch;
    private DynamicLossScaler? _scaler; // fp16 only; replaced by the checkpoint's on resume
    private readonly PretrainingTotals _totals;
    private readonly Tensor _gradNormSum;

    /// <summary>
    /// Prepares to train <paramref name="model"/>, which must already sit on its training device (the optimizer's
    /// moments are allocated beside the parameters); no dispose scope may be open, or it would free them.
    /// </summary>
    public Trainer(BertForPreTraining model, TrainingRecipe recipe, TrainingHardware hardware)
    {
        recipe.Validate();
        hardware.Validate();
        _model = model;
        _recipe = recipe;
        _logEvery = hardware.LogEvery;
        _prefetch = hardware.PrefetchBatches;
        _device = model.parameters().First().device;
        Precision = PrecisionPolicy.For(recipe.Precision, _device);
        if (_device.type == DeviceType.CUDA) Precision.ApplyMatmulSetting();
        model.train();
        _parameters = model.UniqueNamedParameters();
        _optimizer = new FlatAdamW(_parameters, recipe);
        _replica = Precision.HalfType is { } half ? new HalfPrecisionReplica(model, half, _optimizer) : null;
        _scaler = Precision.NeedsLossScaling ? new DynamicLossScaler() : null;
        _totals = new PretrainingTotals(_device);
        _gradNormSum = zeros(1, ScalarType.Float64, _device).DetachFromDisposeScope();
    }

    /// <summary>The format this trainer computes in, as chosen from the recipe's precision and the model's device.</summary>
    public PrecisionChoice Precision { get; }

    /// <summary>The fp16 loss scaler's state; null when training without one.</summary>
    public LossScalerState? LossScaler => _scaler?.State;

    public void Dispose()
    {
        _gradNormSum.Dispose();
        _totals.Dispose();
        _replica?.Dispose();
        _optimizer.Dispose();
    }

    /// <summary>
    /// One optimizer step at the optimizer's current learning rate: forward and backward each micro-batch (its loss
    /// divided by their number, so the accumulated gradient is their mean), unscale (fp16), clip, step, zero grad.
    /// Returns false when fp16 gradients overflowed and the step was skipped (the loss scale is halved instead).
    /// Metric sums and the gradient norm stay on the device until <see cref="Train"/> reads them at a log interval.
    /// <paramref name="phases"/>, when given, is told where each phase ends (the benchmark's breakdown). Call inside a dispose scope.
    /// </summary>
    public bool Step(IReadOnlyList<Batch> microBatches, StepPhaseClock? phases = null)
    {
        var forward = _replica?.Model ?? _model;
        foreach (var batch in microBatches)
        {
            var inputs = batch.ToInputs(_device);
            phases?.End(StepPhase.Data);
            var output = forward.call(inputs);
            var loss = output.Loss! / microBatches.Count;
            phases?.End(StepPhase.Forward);
            (_scaler?.ScaleLoss(loss) ?? loss).backward();
            _totals.Add(output, inputs.Labels!, inputs.NextSentenceLabel!,
                mlmLossSum: output.MlmLoss!.detach() * batch.PredictedTokens,
                nspLossSum: output.NspLoss!.detach() * batch.Size);
            _replica?.PushGradients(); // each micro-batch's, so accumulation happens in fp32 on the master
            phases?.End(StepPhase.Backward);
        }

        // unscale: fp16 gradients that overflowed skip the step, as PyTorch's GradScaler does
        var stepping = _scaler?.UnscaleAndUpdate([_optimizer.Gradients]) ?? true;
        if (stepping)
        {
            // clip
            _gradNormSum.add_(_optimizer.ClipGradNorm(_recipe.MaxGradNorm));

            // step
            _optimizer.StepOnce();
            _replica?.PullWeights();
        }

        // zero grad
        _optimizer.ZeroGrad();
        phases?.End(StepPhase.Optimizer);
        return stepping;
    }

    /// <summary>
    /// Trains on <paramref name="data"/> into <paramref name="outputDirectory"/> in <see cref="CheckpointLayout"/>:
    /// <c>step-N/</c> every save_every steps, <c>final/</c> at the end. With <paramref name="resumeFrom"/>, continues
    /// that checkpoint's run exactly; the model must then be the one loaded from it, and the recipe its saved one.
    /// Cancellation saves a step checkpoint at the end of the current step and returns. With a phase2_fraction the
    /// last steps (<see cref="TrainingPhases"/>) train on <paramref name="phase2Data"/>, from the first batch of its own order.
    /// </summary>
    public TrainingOutcome Train(ShardDataset data, string outputDirectory, string vocabPath, string? resumeFrom = null,
        ITrainingObserver? observer = null, CancellationToken cancellationToken = default, ShardDataset? phase2Data = null)
    {
        var batches = new BatchOrder(data, _recipe.BatchSize, _recipe.Seed, _recipe.Shuffle, _recipe.LengthBucketing);
        var phase2Batches = phase2Data is null ? null : new BatchOrder(phase2Data, _recipe.BatchSize, _recipe.Seed, _recipe.Shuffle, _recipe.LengthBucketing);
        var stepsPerEpoch = StepsPerEpoch(_recipe, data.Count);
        var state = resumeFrom is null
            ? new TrainerState { TotalSteps = TotalSteps(_recipe, data.Count), Recipe = _recipe, TrainSequences = data.Count, Phase2Sequences = phase2Data?.Count }
            : TrainingCheckpoint.Resume(resumeFrom, _optimizer);
        if (_scaler is not null && state.LossScaler is { } savedScaler) _scaler = DynamicLossScaler.Resume(savedScaler);
        if (state.TrainSequences != data.Count)
            throw new InvalidOperationException($"The checkpoint was trained on {state.TrainSequences} sequences, these shards hold {data.Count}: resume on the same shards.");
        if (state.Phase2Sequences != phase2Data?.Count)
            throw new InvalidOperationException($"The checkpoint's phase 2 trains on {state.Phase2Sequences ?? 0} sequences, these phase-2 shards hold {phase2Data?.Count ?? 0}: resume on the same shards.");
        var phases = TrainingPhases.For(state.TotalSteps, _recipe.Phase2Fraction);
        if (phases.Phase2Steps > 0 && phase2Data is null)
            throw new ArgumentException($"phase2_fraction={_recipe.Phase2Fraction} trains its last {phases.Phase2Steps} step(s) on phase-2 shards, and none were given.", nameof(phase2Data));
        // One schedule over both phases: the LR continues across the switch.
        var schedule = LearningRateSchedule.WithWarmupRatio(_recipe.LearningRate, _recipe.WarmupRatio, state.TotalSteps);
        var clock = Stopwatch.StartNew();
        var meter = new ThroughputMeter(state.GlobalStep);
        using var prefetcher = new BatchPrefetcher(_model.Config.PadTokenId);
        Directory.CreateDirectory(outputDirectory);

        while (state.GlobalStep < state.TotalSteps)
        {
            using var scope = NewDisposeScope();
            var step = state.GlobalStep;

            // set LR: a function of the step alone, so a resumed run continues the same curve
            var learningRate = schedule.At(step);
            _optimizer.LearningRate = learningRate;

            // reseed dropout from the step, so a resumed run draws the masks an uninterrupted one would
            manual_seed(_recipe.Seed + step);
            if (_device.type == DeviceType.CUDA) cuda.manual_seed_all(_recipe.Seed + step);

            // switch phase: the second starts at the first batch of its own data order
            var phase = phases.At(step);
            if (phase != state.Phase) (state.Phase, state.Position) = (phase, default);
            var (phaseData, phaseBatches) = phase == TrainingPhase.First ? (data, batches) : (phase2Data!, phase2Batches!);

            // this step's batches (collated while the last step ran), then the next step's started in the background
            var rows = MicroBatchesAt(phaseBatches, state.Position, out var nextPosition);
            state.Position = nextPosition;
            var microBatches = prefetcher.Take(phaseData, rows);
            if (_prefetch && step + 1 < state.TotalSteps)
            {
                var nextPhase = phases.At(step + 1);
                var (nextData, nextBatches) = nextPhase == TrainingPhase.First ? (data, batches) : (phase2Data!, phase2Batches!);
                prefetcher.Prefetch(nextData, MicroBatchesAt(nextBatches, nextPhase == phase ? nextPosition : default, out _));
            }

            // micro-steps, clip, step, zero grad
            Step(microBatches);
            state.LossScaler = LossScaler;
            meter.Tokens += microBatches.Sum(b => b.RealTokens);
            state.GlobalStep++;

            // log: the only place the loop waits for the device
            var finished = state.GlobalStep == state.TotalSteps;
            var stopping = cancellationToken.IsCancellationRequested;
            if (state.GlobalStep % _logEvery == 0 || finished || stopping)
            {
                var metrics = ReadMetrics(state.GlobalStep, learningRate, state.GlobalStep - meter.LastLogStep);
                state.LossHistory.Add(metrics);
                observer?.OnProgress(meter.Report(state, stepsPerEpoch, metrics, clock.Elapsed));
            }

            // checkpoint
            string? checkpoint = null;
            if (!finished && (stopping || _recipe.SaveEvery > 0 && state.GlobalStep % _recipe.SaveEvery == 0))
            {
                checkpoint = Path.Combine(outputDirectory, CheckpointLayout.StepFolder(state.GlobalStep));
                TrainingCheckpoint.Save(checkpoint, _model, state, vocabPath, _optimizer);
                observer?.OnCheckpointWritten(new CheckpointWritten(state.GlobalStep, state.TotalSteps, checkpoint));
            }

            // stop (a cancel at the last step just lets the final save below happen)
            if (stopping && !finished) return new TrainingOutcome(state, Cancelled: true, checkpoint!);
        }

        var final = Path.Combine(outputDirectory, CheckpointLayout.FinalFolder);
        TrainingCheckpoint.Save(final, _model, state, vocabPath, optimizer: null);
        return new TrainingOutcome(state, Cancelled: false, final);
    }

    /// <summary>The optimizer steps a run of <paramref name="recipe"/> on <paramref name="trainSequences"/> sequences takes: max_steps, else all its epochs.</summary>
    public static int TotalSteps(TrainingRecipe recipe, int trainSequences) => recipe.MaxSteps ?? StepsPerEpoch(recipe, trainSequences) * recipe.Epochs;

    /// <summary>An epoch's batches (the last may be short) in steps of gradient_accumulation micro-batches (the last may have fewer).</summary>
    private static int StepsPerEpoch(TrainingRecipe recipe, int trainSequences)
    {
        var batches = (trainSequences + recipe.BatchSize - 1) / recipe.BatchSize;
        return (batches + recipe.GradientAccumulation - 1) / recipe.GradientAccumulation;
    }

    /// <summary>A step's micro-batches at <paramref name="at"/> in the data order, and the position after them (into the next epoch when this one is used up).</summary>
    private IReadOnlyList<int[]> MicroBatchesAt(BatchOrder order, DataPosition at, out DataPosition next)
    {
        var epochBatches = order.Epoch(at.Epoch);
        var micro = epochBatches.Skip(at.Batch).Take(_recipe.GradientAccumulation).ToArray();
        var position = at.Batch + micro.Length;
        next = position == epochBatches.Count ? new DataPosition(at.Epoch + 1, 0) : new DataPosition(at.Epoch, position);
        return micro;
    }

    /// <summary>Reads and clears the sums kept since the last log line.</summary>
    private TrainingMetrics ReadMetrics(int step, double learningRate, int steps)
    {
        var sums = _totals.Read();
        var gradNorm = _gradNormSum.item<double>() / Math.Max(1, steps);
        _totals.Reset();
        _gradNormSum.zero_();
        return new TrainingMetrics(step, sums.Loss, sums.MlmLoss, sums.NspLoss, sums.MlmAccuracy, sums.NspAccuracy, learningRate, gradNorm);
    }

    /// <summary>Real tokens and time since the last log line, for tokens/s; steps since this process started, for the ETA.</summary>
    private sealed class ThroughputMeter(int firstStep)
    {
        private readonly int _firstStep = firstStep;
        private TimeSpan _lastReport;

        public long Tokens { get; set; }
        public int LastLogStep { get; private set; } = firstStep;

        public TrainingProgress Report(TrainerState state, int stepsPerEpoch, TrainingMetrics metrics, TimeSpan elapsed)
        {
            var seconds = (elapsed - _lastReport).TotalSeconds;
            var tokensPerSecond = seconds > 0 ? Tokens / seconds : 0;
            var remaining = TimeSpan.FromSeconds(elapsed.TotalSeconds / (state.GlobalStep - _firstStep) * (state.TotalSteps - state.GlobalStep));
            Tokens = 0;
            LastLogStep = state.GlobalStep;
            _lastReport = elapsed;
            return new TrainingProgress(state.GlobalStep, state.TotalSteps, (double)state.GlobalStep / stepsPerEpoch, metrics, tokensPerSecond, elapsed, remaining);
        }
    }
}
