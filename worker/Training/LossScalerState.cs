namespace BertServerless.Worker.Training;

/// <summary>A <see cref="DynamicLossScaler"/> as trainer_state.json keeps it: the scale, clean steps towards the next growth, steps skipped so far.</summary>
public sealed record LossScalerState(double Scale, int CleanSteps, int SkippedSteps);
