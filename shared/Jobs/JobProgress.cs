using System.Globalization;

namespace BertServerless.Shared.Jobs;

/// <summary>
/// Training progress as the job status shows it: the trainer's latest report; losses, accuracies and gradient norm
/// are means over its last log interval. <see cref="Describe"/> is the one way every display words it.
/// </summary>
public sealed class JobProgress
{
    public long Step { get; set; }
    public long TotalSteps { get; set; }
    public double? Epoch { get; set; }
    public double? Loss { get; set; }
    public double? MlmLoss { get; set; }
    public double? NspLoss { get; set; }
    public double? MlmAccuracy { get; set; }
    public double? NspAccuracy { get; set; }
    public double? LearningRate { get; set; }
    public double? GradNorm { get; set; }
    public double? TokensPerSecond { get; set; }
    public double? EtaSeconds { get; set; }

    /// <summary>One line: <c>step 10/114 epoch 0.09 loss 9.1234 (mlm 8.4, nsp 0.69) … 1,234 tok/s eta 00:01:02</c>.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var line = $"step {Step}/{TotalSteps}";
        if (Epoch is { } epoch) line += string.Create(c, $" epoch {epoch:F2}");
        if (Loss is { } loss) line += string.Create(c, $" loss {loss:F4} (mlm {MlmLoss:F4}, nsp {NspLoss:F4})");
        if (MlmAccuracy is { } mlmAccuracy) line += string.Create(c, $" mlm_acc {mlmAccuracy:F3} nsp_acc {NspAccuracy:F3}");
        if (LearningRate is { } lr) line += string.Create(c, $" lr {lr:E2}");
        if (GradNorm is { } gradNorm) line += string.Create(c, $" grad_norm {gradNorm:F2}");
        if (TokensPerSecond is { } tps) line += string.Create(c, $" {tps:N0} tok/s");
        if (EtaSeconds is { } eta) line += string.Create(c, $" eta {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}");
        return line;
    }
}
