using k8s.Models;

namespace DeployOps.Engine.Kubernetes;

/// <summary>Where a Deployment's rollout stands, judged the way <c>kubectl rollout status</c> judges it.</summary>
internal sealed record RolloutStatus(RolloutState State, string Message)
{
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";

    public static RolloutStatus Of(V1Deployment deployment)
    {
        var name = deployment.Metadata?.Name ?? "?";
        var status = deployment.Status;
        var generation = deployment.Metadata?.Generation ?? 0;
        if (status is null || (status.ObservedGeneration ?? 0) < generation)
            return new(RolloutState.Waiting, $"waiting for the controller to observe generation {generation} of {name}");
        var progressing = status.Conditions?.FirstOrDefault(c => c.Type == "Progressing");
        if (progressing?.Reason == ProgressDeadlineExceeded)
            return new(RolloutState.Failed, $"{name} exceeded its progress deadline ({ProgressDeadlineExceeded}: {progressing.Message ?? "no message"})");
        var wanted = deployment.Spec?.Replicas ?? 1;
        var updated = status.UpdatedReplicas ?? 0;
        var available = status.AvailableReplicas ?? 0;
        var total = status.Replicas ?? 0;
        if (updated < wanted) return new(RolloutState.Waiting, $"{name}: {updated} of {wanted} new replicas updated");
        if (total > updated) return new(RolloutState.Waiting, $"{name}: {total - updated} old replicas pending termination");
        if (available < updated) return new(RolloutState.Waiting, $"{name}: {available} of {updated} updated replicas available");
        return new(RolloutState.Complete, $"{name} rolled out ({available} of {wanted} replicas available)");
    }
}

internal enum RolloutState
{
    Waiting,
    Complete,
    Failed,
}
