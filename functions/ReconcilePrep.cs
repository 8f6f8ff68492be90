using BertServerless.Shared.Jobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BertServerless.Functions;

/// <summary>
/// Every five minutes: a chunk message the host poisoned without running our give-up (its last attempt crashed or
/// timed out) fails its job with the reason, so no job waits in Preparing for ever.
/// </summary>
public sealed class ReconcilePrep(PoisonedChunkReconciler reconciler, ILogger<ReconcilePrep> logger)
{
    [Function(nameof(ReconcilePrep))]
    public async Task Run([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var failed = await reconciler.ReconcileAsync(cancellationToken);
        if (failed > 0) logger.LogWarning("Failed {Jobs} job(s) whose chunks were poisoned by the host", failed);
    }
}
