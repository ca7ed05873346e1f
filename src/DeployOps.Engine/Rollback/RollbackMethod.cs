using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Rollback;

/// <summary>
/// How a rollback put the previous version back, for its message: traffic switched back to a slot that still ran it
/// (instant, nothing started), or that version started again — for containers, a container recreated from its image.
/// Read from what the rollback's phases reported (their names and details), so it says what happened, not what was planned.
/// </summary>
internal static class RollbackMethod
{
    public static string Describe(DeploymentRun run, IReadOnlyList<(string Phase, string? Detail)> phases)
    {
        string Name(string phase, string kind) => phase[(RollbackPlan.Prefix + kind + ":").Length..];
        var switchedTo = phases.Where(p => p.Phase.StartsWith(RollbackPlan.Prefix + "traffic:", StringComparison.Ordinal))
            .Select(p => Name(p.Phase, "traffic")).LastOrDefault();
        var started = phases
            .Where(p => p.Phase.StartsWith(RollbackPlan.Prefix + "prepare:", StringComparison.Ordinal) && p.Detail?.Contains("redeployed", StringComparison.Ordinal) == true)
            .Select(p => Name(p.Phase, "prepare"))
            .Concat(phases.Where(p => p.Phase.StartsWith(RollbackPlan.Prefix + "redeploy:", StringComparison.Ordinal)).Select(p => Name(p.Phase, "redeploy")))
            .ToList();
        // A rolling rollback replaces every instance through the strategy's own batch phases.
        if (run.Strategy == DeploymentStrategy.Rolling) started = run.Settings.Instances.Select(i => i.Name).ToList();
        var containers = run.Settings.Docker is not null;
        if (started.Count == 0)
            return switchedTo is null ? "nothing needed starting"
                : containers ? $"switched traffic back to {switchedTo}, whose container was still running {run.Version}; no container was recreated"
                : $"switched traffic back to {switchedTo}, which was still running {run.Version}; nothing was redeployed";
        var image = run.Fields.GetValueOrDefault(DeploymentField.ImageId);
        var what = containers
            ? $"recreated the container{(started.Count == 1 ? "" : "s")} of {string.Join(", ", started)} from the image {run.Version} recorded ({image ?? "unknown"})"
            : $"redeployed {run.Version} on {string.Join(", ", started)}";
        return switchedTo is null ? what : $"{what}, then switched traffic back to {switchedTo}";
    }
}
