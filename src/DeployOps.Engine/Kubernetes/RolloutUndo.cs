using DeployOps.Engine.Hosting;
using k8s.Models;

namespace DeployOps.Engine.Kubernetes;

/// <summary>
/// <c>kubectl rollout undo [--to-revision]</c>: the Deployment's pod template goes back to that of one of its own
/// ReplicaSets (found by the Deployment's selector and owner reference, told apart by their revision annotation).
/// </summary>
internal static class RolloutUndo
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private const string PodTemplateHashLabel = "pod-template-hash";

    /// <summary>The Deployment's current revision (its annotation), or null before the controller set one.</summary>
    public static long? Revision(V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } a && a.TryGetValue(RevisionAnnotation, out var text) && long.TryParse(text, out var r) ? r : null;

    /// <summary>Restores revision <paramref name="toRevision"/> (null: the newest one before the current); returns it.</summary>
    public static async Task<long> UndoAsync(KubernetesApi api, string deployment, long? toRevision, CancellationToken ct)
    {
        var current = await api.ReadDeploymentAsync(deployment, ct).ConfigureAwait(false);
        var selector = current.Spec?.Selector?.MatchLabels;
        var target = $"{api.Cluster.Name}/{api.Cluster.Namespace}/deployment/{deployment}";
        if (selector is null || selector.Count == 0)
            throw new DeployOpsException(ErrorIds.KubernetesNoPreviousRevision, ErrorKind.InvalidOperation,
                $"{deployment} has no matchLabels selector to find its ReplicaSets by", target);
        var labelSelector = string.Join(",", selector.Select(p => $"{p.Key}={p.Value}"));
        var owned = (await api.ListReplicaSetsAsync($"replicasets of {deployment}", labelSelector, ct).ConfigureAwait(false))
            .Where(rs => rs.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Uid == current.Metadata.Uid) == true)
            .Select(rs => (Set: rs, Revision: Revision(rs.Metadata)))
            .Where(r => r.Revision is not null)
            .ToList();
        var currentRevision = Revision(current.Metadata) ?? owned.Select(r => r.Revision!.Value).DefaultIfEmpty(0).Max();
        var chosen = toRevision is { } wanted
            ? owned.FirstOrDefault(r => r.Revision == wanted)
            : owned.Where(r => r.Revision < currentRevision).OrderByDescending(r => r.Revision).FirstOrDefault();
        if (chosen.Set is null)
            throw new DeployOpsException(ErrorIds.KubernetesNoPreviousRevision, ErrorKind.ObjectNotFound,
                toRevision is { } r
                    ? $"{deployment} has no ReplicaSet of revision {r} any more (revisionHistoryLimit?); revisions: {Revisions(owned)}"
                    : $"{deployment} has no revision before {currentRevision} to go back to; revisions: {Revisions(owned)}",
                target);
        var template = chosen.Set.Spec.Template;
        template.Metadata?.Labels?.Remove(PodTemplateHashLabel);
        await api.UpdateDeploymentAsync(deployment, d =>
        {
            d.Spec.Template = template;
            return true;
        }, ct).ConfigureAwait(false);
        return chosen.Revision!.Value;
    }

    private static string Revisions(IEnumerable<(V1ReplicaSet Set, long? Revision)> owned)
    {
        var list = owned.Select(o => o.Revision!.Value).OrderBy(r => r).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
