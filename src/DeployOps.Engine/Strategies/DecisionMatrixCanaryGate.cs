using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Comparison;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// A canary gate judged by Watch-DeploymentHealth's decision matrix (<c>health:</c> rules and timeline) over the
/// canary's own /metrics and health endpoint for the step's pause. Healthy passes; Rollback fails; Investigate and
/// Inconclusive (too little traffic, unreadable signals) are not evidence enough to go on, so they ask for approval.
/// With <c>health.compare: baseline</c> the comparative judge also weighs the canary against the stable slot's own
/// /metrics over the same window (docs/health-judge.md).
/// </summary>
internal sealed class DecisionMatrixCanaryGate : ICanaryGate
{
    public async Task<CanaryGateResult> EvaluateAsync(CanaryGateContext context, CancellationToken cancellationToken)
    {
        var deployment = context.Config.Deployment;
        var decision = await HealthGate.EvaluateAsync(context.Config, new HealthGateWindow
        {
            Duration = context.Pause,
            Interval = deployment.Canary.SampleInterval,
            // A slot on a set of hosts is judged on every member, not only the first.
            ScrapeTargets = Metrics(context.Canary),
            Probes = context.Canary.Places.Select(p => p.BaseUrl + deployment.ReadinessPath).ToList(),
            VersionTargets = new Dictionary<string, IReadOnlyList<string>>
            {
                [ComparisonRule.CanaryVersion] = Metrics(context.Canary),
                [ComparisonRule.BaselineVersion] = Metrics(context.Baseline),
            },
            DeploymentId = context.DeploymentId,
        }, new NestedOperationSink(context.Sink), cancellationToken).ConfigureAwait(false);

        var reason = $"{decision.Verdict} from the decision matrix on {context.Canary.Name}" +
                     (decision.Reasons.Count > 0 ? ": " + string.Join("; ", decision.Reasons) : "");
        var verdict = decision.Verdict switch
        {
            HealthVerdict.Healthy => CanaryVerdict.Pass,
            HealthVerdict.Rollback => CanaryVerdict.Fail,
            _ => CanaryVerdict.Inconclusive,
        };
        return new CanaryGateResult(verdict, reason);
    }

    private static IReadOnlyList<string> Metrics(DeploymentTarget slot) => slot.Places.Select(p => p.BaseUrl + "/metrics").ToList();
}
