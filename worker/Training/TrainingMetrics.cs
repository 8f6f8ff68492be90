namespace BertServerless.Worker.Training;

/// <summary>
/// Training metrics averaged over the steps since the previous log line (the loss history entry of
/// <c>trainer_state.json</c>): MLM loss is per predicted token, NSP loss per sequence, loss their sum as in BERT.
/// </summary>
public sealed record TrainingMetrics(
    int Step,
    double Loss,
    double MlmLoss,
    double NspLoss,
    double MlmAccuracy,
    double NspAccuracy,
    double LearningRate,
    double GradNorm);
