using System.Diagnostics;
using BertServerless.Worker.Evaluation;
using BertServerless.Worker.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace BertServerless.Worker.Training;

/// <summary>
/// The pre-training loop, read top to bottom like nanoGPT's <c>train.py</c>: set LR, micro-steps with gradient
/// accumulation, clip, step, zero grad, log, checkpoint, stop. Each step runs in its own dispose scope so its tensors
/// die with it, and the device is only waited for at log intervals.
/// </summary>
public static class Trainer
{
    /// <summary>Takes the next step's batches from the current epoch and advances the position, into the next epoch when this one is used up.</summary>
    private static IReadOnlyList<int[]> NextMicroBatches(BatchOrder order, TrainerState state, int accumulation)
    {
        var (epoch, position) = state.Position;
        var epochBatches = order.Epoch(epoch);
        var micro = epochBatches.Skip(position).Take(accumulation).ToArray();
        position += micro.Length;
        state.Position = position == epochBatches.Count ? new DataPosition(epoch + 1, 0) : new DataPosition(epoch, position);
        return micro;
    }

    /// <summary>Reads and clears the sums kept since the last log line.</summary>
    private static TrainingMetrics ReadMetrics(PretrainingTotals totals, Tensor gradNormSum, int step, double learningRate, int steps)
    {
        var sums = totals.Read();
        var gradNorm = gradNormSum.item<double>() / Math.Max(1, steps);
        totals.Reset();
        gradNormSum.zero_();
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

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="data"/> and writes the final checkpoint into
    /// <paramref name="outputDirectory"/> (intermediate ones into <c>checkpoint-N</c> below it). With
    /// <paramref name="resumeFrom"/>, continues that checkpoint's run exactly; <paramref name="model"/> must then be
    /// the one loaded from it, and <paramref name="options"/> those of <see cref="TrainingOptions.ResumedWith"/>.
    /// Cancellation saves a checkpoint at the end of the current step and returns.
    /// </summary>
    public static TrainingOutcome Train(
        BertForPreTraining model,
        ShardDataset data,
        TrainingOptions options,
        string outputDirectory,
        string vocabPath,
        string? resumeFrom = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        // -- setup: device, optimizer, data order, schedule; a resumed run restores its moments and position
        options.Validate();
        var device = TrainingDevice.Resolve(options.Device);
        if (options.Bf16 && device.type != DeviceType.CUDA)
            throw new ArgumentException("bf16 training needs a CUDA device; on CPU train in fp32.");
        if (options.Threads > 0) set_num_threads(options.Threads);
        Directory.CreateDirectory(outputDirectory);
        model.to(device);
        model.train();
        var parameters = model.UniqueNamedParameters();
        var (optimizer, order) = TrainingOptimizer.Create(parameters, options);
        using var optimizerScope = optimizer;
        var batches = new BatchOrder(data, options.BatchSize, options.Seed, options.Shuffle, options.LengthBucketing);
        var stepsPerEpoch = (batches.BatchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation;
        var state = resumeFrom is null
            ? new TrainerState
            {
                TotalSteps = options.MaxSteps > 0 ? options.MaxSteps : stepsPerEpoch * options.Epochs,
                Options = options,
                TrainSequences = data.Count,
            }
            : TrainingCheckpoint.Resume(resumeFrom, optimizer, order);
        if (state.TrainSequences != data.Count)
            throw new InvalidOperationException($"The checkpoint was trained on {state.TrainSequences} sequences, these shards hold {data.Count}: resume on the same shards.");
        var schedule = LearningRateSchedule.WithWarmupRatio(options.LearningRate, options.WarmupRatio, state.TotalSteps);
        using var replica = options.Bf16 ? new BFloat16Replica(model) : null;
        var forward = replica?.Model ?? model;
        using var totals = new PretrainingTotals(device);
        using var gradNormSum = zeros(1, ScalarType.Float64, device).DetachFromDisposeScope();
        var clock = Stopwatch.StartNew();
        var meter = new ThroughputMeter(state.GlobalStep);

        while (state.GlobalStep < state.TotalSteps)
        {
            using var scope = NewDisposeScope();
            var step = state.GlobalStep;

            // set LR: a function of the step alone, so a resumed run continues the same curve
            var learningRate = schedule.At(step);
            TrainingOptimizer.SetLearningRate(optimizer, learningRate);

            // reseed dropout from the step, so a resumed run draws the masks an uninterrupted one would
            manual_seed(options.Seed + step);
            if (device.type == DeviceType.CUDA) cuda.manual_seed_all(options.Seed + step);

            // micro-steps: each loss is divided by their number, so the accumulated gradient is their mean
            var microBatches = NextMicroBatches(batches, state, options.GradientAccumulation);
            foreach (var indices in microBatches)
            {
                var batch = data.Collate(indices, model.Config.PadTokenId);
                var inputs = batch.ToInputs(device);
                var output = forward.call(inputs);
                (output.Loss! / microBatches.Count).backward();
                totals.Add(output, inputs.Labels!, inputs.NextSentenceLabel!,
                    mlmLossSum: output.MlmLoss!.detach() * batch.PredictedTokens,
                    nspLossSum: output.NspLoss!.detach() * batch.Size);
                meter.Tokens += batch.RealTokens;
            }
            replica?.PushGradients();

            // clip
            gradNormSum.add_(GradientClipping.ClipByGlobalNorm(parameters.Select(p => p.Param), options.MaxGradNorm));

            // step
            optimizer.step();
            replica?.PullWeights();

            // zero grad
            optimizer.zero_grad();
            state.GlobalStep++;

            // log: the only place the loop waits for the device
            var finished = state.GlobalStep == state.TotalSteps;
            var stopping = cancellationToken.IsCancellationRequested;
            if (state.GlobalStep % options.LogEvery == 0 || finished || stopping)
            {
                var metrics = ReadMetrics(totals, gradNormSum, state.GlobalStep, learningRate, state.GlobalStep - meter.LastLogStep);
                state.LossHistory.Add(metrics);
                progress?.Report(meter.Report(state, stepsPerEpoch, metrics, clock.Elapsed));
            }

            // checkpoint
            string? checkpoint = null;
            if (!finished && (stopping || options.SaveEvery > 0 && state.GlobalStep % options.SaveEvery == 0))
            {
                checkpoint = Path.Combine(outputDirectory, TrainingCheckpoint.DirectoryName(state.GlobalStep));
                TrainingCheckpoint.Save(checkpoint, model, optimizer, order, state, vocabPath);
                progress?.Report(new TrainingProgress(state.GlobalStep, state.TotalSteps, (double)state.GlobalStep / stepsPerEpoch, null, 0, clock.Elapsed, TimeSpan.Zero, checkpoint));
            }

            // stop (a cancel at the last step just lets the final save below happen)
            if (stopping && !finished) return new TrainingOutcome(state, Cancelled: true, checkpoint!);
        }

        TrainingCheckpoint.Save(outputDirectory, model, optimizer, order, state, vocabPath);
        return new TrainingOutcome(state, Cancelled: false, outputDirectory);
    }
}
