namespace BertServerless.Shared.Jobs;

/// <summary>The worker's latest training report; losses are running means over its last log interval.</summary>
public sealed class TrainingProgress
{
    public long Step { get; set; }
    public long TotalSteps { get; set; }
    public double? Loss { get; set; }
    public double? MlmLoss { get; set; }
    public double? NspLoss { get; set; }
    public double? TokensPerSecond { get; set; }
    public double? EtaSeconds { get; set; }
}
