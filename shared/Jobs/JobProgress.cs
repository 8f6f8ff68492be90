namespace BertServerless.Shared.Jobs;

/// <summary>Training progress as the job status shows it: the worker's latest report; losses are running means over its last log interval.</summary>
public sealed class JobProgress
{
    public long Step { get; set; }
    public long TotalSteps { get; set; }
    public double? Loss { get; set; }
    public double? MlmLoss { get; set; }
    public double? NspLoss { get; set; }
    public double? MlmAccuracy { get; set; }
    public double? LearningRate { get; set; }
    public double? TokensPerSecond { get; set; }
    public double? EtaSeconds { get; set; }
}
