using DeployOps.Engine.Hosting;
using DeployOps.Engine.Kubernetes;
using DeployOps.Engine.State;
using k8s.Models;

namespace DeployOps.Engine.Strategies.Kubernetes;

/// <summary>
/// The phases of blue-green and rolling deployments to a cluster, and of their rollback. They run inside the
/// deployment engine like every other strategy: locked, journaled phase by phase, audited, planned under -WhatIf.
/// </summary>
internal static class KubernetesPlans
{
    /// <summary>Journal field: the replicas a colour had before it was scaled down (<c>k8sReplicas@blue</c>).</summary>
    private const string ReplicasField = "k8sReplicas@";
    /// <summary>Journal field: the Deployment's revision before the rolling update (<c>k8sRevision@shop</c>).</summary>
    private const string RevisionField = "k8sRevision@";

    /// <summary>
    /// Blue-green: which colour gets the version (the one the Service does not select) — read once and journaled, so
    /// a resumed deployment keeps its colours. Read-only, so it runs under -WhatIf too and the plan names the colours.
    /// </summary>
    public static async Task PrepareAsync(DeploymentRun run, CancellationToken ct)
    {
        if (run.Settings.Kubernetes is not { } k8s || run.Strategy != DeploymentStrategy.BlueGreen ||
            run.Fields.ContainsKey(DeploymentEngine.TargetSlotField)) return;
        using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
        var live = LiveColour(k8s, await api.ReadServiceAsync(k8s.ServiceName(run.Config.Application), ct).ConfigureAwait(false));
        run.Fields[DeploymentEngine.TargetSlotField] = live == KubernetesDeploymentSettings.Colours[0]
            ? KubernetesDeploymentSettings.Colours[1] : KubernetesDeploymentSettings.Colours[0];
        if (live is not null) run.Fields[DeploymentEngine.PreviousSlotField] = live;
    }

    public static IEnumerable<PlannedPhase> Deploy(DeploymentRun run, KubernetesDeploymentSettings k8s)
    {
        // -Strategy may differ from deployment.strategy, which the names were validated for.
        if (run.Strategy is DeploymentStrategy.BlueGreen or DeploymentStrategy.Rolling &&
            k8s.Deployment.Contains("{slot}", StringComparison.Ordinal) != (run.Strategy == DeploymentStrategy.BlueGreen))
            throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                $"deployment.kubernetes.deployment '{k8s.Deployment}' in {run.Config.FilePath} is for {(run.Strategy == DeploymentStrategy.BlueGreen ? "rolling (blue-green needs {slot})" : "blue-green ({slot}); rolling needs one Deployment")}",
                run.Config.FilePath);
        switch (run.Strategy)
        {
            case DeploymentStrategy.BlueGreen:
                var target = run.Fields.GetValueOrDefault(DeploymentEngine.TargetSlotField) ?? KubernetesDeploymentSettings.Colours[0];
                var previous = run.Fields.GetValueOrDefault(DeploymentEngine.PreviousSlotField);
                yield return RolloutColour(run, k8s, target, previous);
                yield return VerifyRollout(run, k8s, $"verify:{target}", k8s.DeploymentName(run.Config.Application, target));
                yield return SwitchSelector(run, k8s, $"traffic:{target}", target, previous, SwitchBack(run, k8s, previous));
                if (previous is not null && k8s.ScaleDownAfter is { } soak) yield return ScaleDown(run, k8s, previous, soak);
                break;
            case DeploymentStrategy.Rolling:
                yield return RollingUpdate(run, k8s);
                break;
            default:
                throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                    $"{run.Strategy} is not supported with deployment.kubernetes in {run.Config.FilePath} (blueGreen or rolling)", run.Config.FilePath);
        }
    }

    /// <summary>Undo of a Kubernetes deployment: the selector back to the old colour (scaled up again if needed), or rollout undo.</summary>
    public static List<PlannedPhase> Rollback(DeploymentRun run, KubernetesDeploymentSettings k8s, DeploymentRecord record)
    {
        const string prefix = Engine.Rollback.RollbackPlan.Prefix;
        var app = run.Config.Application;
        if (run.Strategy == DeploymentStrategy.Rolling)
        {
            var name = k8s.DeploymentName(app, null);
            var revision = long.TryParse(record.Fields.GetValueOrDefault(RevisionField + name), out var r) ? r : (long?)null;
            // Undo restores the exact pod template of before; another version (-ToVersion) is a new image instead.
            if (run.Version == record.PreviousVersion)
                return new List<PlannedPhase> { Undo(run, k8s, $"{prefix}undo:{name}", name, revision) };
            return new List<PlannedPhase> { SetImage(run, k8s, $"{prefix}image:{name}", name, null, null) };
        }
        var target = record.Fields.GetValueOrDefault(DeploymentEngine.TargetSlotField);
        var previous = record.Fields.GetValueOrDefault(DeploymentEngine.PreviousSlotField)
            ?? throw new DeployOpsException(ErrorIds.RollbackNoPreviousVersion, ErrorKind.InvalidOperation,
                $"Deployment {record.Id} has no previous colour to switch back to (first deployment?)", record.Id);
        var replicas = int.TryParse(record.Fields.GetValueOrDefault(ReplicasField + previous), out var n) ? n : (int?)null;
        var phases = new List<PlannedPhase>
        {
            SetImage(run, k8s, $"{prefix}prepare:{previous}", k8s.DeploymentName(app, previous), previous, replicas),
            SwitchSelector(run, k8s, $"{prefix}traffic:{previous}", previous, target, null),
        };
        if (target is not null) phases.Add(ScaleToZero(run, k8s, $"{prefix}scale-down:{target}", target, TimeSpan.Zero, record: false));
        return phases;
    }

    /// <summary>The rollback's verification: the Deployment now serving has completed its rollout.</summary>
    public static PlannedPhase RollbackVerify(DeploymentRun run, KubernetesDeploymentSettings k8s, DeploymentRecord record)
    {
        var colour = run.Strategy == DeploymentStrategy.Rolling ? null : record.Fields.GetValueOrDefault(DeploymentEngine.PreviousSlotField);
        return VerifyRollout(run, k8s, Engine.Rollback.RollbackPlan.Prefix + "verify", k8s.DeploymentName(run.Config.Application, colour));
    }

    private static PlannedPhase RolloutColour(DeploymentRun run, KubernetesDeploymentSettings k8s, string colour, string? previous)
    {
        var name = k8s.DeploymentName(run.Config.Application, colour);
        var image = k8s.ImageFor(run.Config.Application, run.Version, colour);
        return new PlannedPhase
        {
            Name = $"rollout:{colour}",
            Kind = PhaseKind.Deploy,
            Action = $"Roll out {run.Version} to Deployment {name} ({colour}) and wait for it",
            Target = Where(k8s, "deployment", name),
            Details = new[]
            {
                $"PUT deployment {name}: container {k8s.Container ?? "(the only one)"} image {image}, replicas {(k8s.Replicas?.ToString() ?? (previous is null ? "1" : $"as {previous}"))}",
                $"watch deployment {name} until rolled out (timeout {Configuration.ValueParsers.FormatDuration(k8s.RolloutTimeout)}; ProgressDeadlineExceeded fails)",
            },
            Run = async ct =>
            {
                await run.AnnotateAsync(DeploymentEngine.TargetSlotField, colour, ct).ConfigureAwait(false);
                if (previous is not null) await run.AnnotateAsync(DeploymentEngine.PreviousSlotField, previous, ct).ConfigureAwait(false);
                using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
                var replicas = k8s.Replicas ?? (previous is null ? 1
                    : Math.Max(1, (await api.ReadDeploymentAsync(k8s.DeploymentName(run.Config.Application, previous), ct).ConfigureAwait(false)).Spec.Replicas ?? 1));
                return await SetImageAndWaitAsync(run, k8s, api, name, image, colour, replicas, ct).ConfigureAwait(false);
            },
            // The new colour never took traffic: scaled to 0, nothing of it is left running.
            OnFailure = async (_, ct) =>
            {
                using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
                await ScaleAsync(api, name, 0, ct).ConfigureAwait(false);
                run.Sink.WriteWarning($"Deployment {name} ({colour}) scaled to 0 replicas after the failed rollout; the Service still selects {previous ?? "(nothing)"}");
                return DeploymentOutcome.Failed;
            },
        };
    }

    private static PlannedPhase RollingUpdate(DeploymentRun run, KubernetesDeploymentSettings k8s)
    {
        var name = k8s.DeploymentName(run.Config.Application, null);
        var image = k8s.ImageFor(run.Config.Application, run.Version, null);
        return new PlannedPhase
        {
            Name = $"rollout:{name}",
            Kind = PhaseKind.Deploy,
            Action = $"Set the image of Deployment {name} to {image} and wait for the rollout",
            Target = Where(k8s, "deployment", name),
            Details = new[]
            {
                $"PUT deployment {name}: container {k8s.Container ?? "(the only one)"} image {image} (kubectl set image)",
                $"watch deployment {name} until rolled out (timeout {Configuration.ValueParsers.FormatDuration(k8s.RolloutTimeout)}; ProgressDeadlineExceeded fails)",
                $"on failure: rollout undo to the revision before",
            },
            Run = async ct =>
            {
                using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
                // Journaled before the change: undo (now or by Undo-Deployment) goes back to exactly this revision.
                if (!run.Fields.ContainsKey(RevisionField + name) &&
                    RolloutUndo.Revision((await api.ReadDeploymentAsync(name, ct).ConfigureAwait(false)).Metadata) is { } before)
                    await run.AnnotateAsync(RevisionField + name, before.ToString(System.Globalization.CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
                return await SetImageAndWaitAsync(run, k8s, api, name, image, null, null, ct).ConfigureAwait(false);
            },
            OnFailure = async (_, ct) =>
            {
                // No revision journaled: the failure came before anything was written, so there is nothing to undo.
                if (!long.TryParse(run.Fields.GetValueOrDefault(RevisionField + name), out var revision)) return DeploymentOutcome.Failed;
                var undo = Undo(run, k8s, $"undo:{name}", name, revision);
                var detail = await undo.Run(ct).ConfigureAwait(false);
                run.Sink.WriteWarning($"Rolled back: {detail}");
                return DeploymentOutcome.RolledBack;
            },
        };
    }

    private static PlannedPhase VerifyRollout(DeploymentRun run, KubernetesDeploymentSettings k8s, string phase, string name) => new()
    {
        Name = phase,
        Kind = PhaseKind.Verify,
        Action = $"Verify that Deployment {name} is rolled out and available",
        Target = Where(k8s, "deployment", name),
        Details = new[] { $"GET deployment {name}: observedGeneration, updated/available replicas, Progressing condition" },
        Run = async ct =>
        {
            using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
            return await RolloutWaiter.WaitAsync(api, name, k8s.RolloutTimeout, run.Clock, m => Progress(run, phase, m), ct).ConfigureAwait(false);
        },
    };

    private static PlannedPhase SwitchSelector(DeploymentRun run, KubernetesDeploymentSettings k8s, string phase, string colour, string? from,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>>? onFailure)
    {
        var service = k8s.ServiceName(run.Config.Application);
        var action = $"Switch Service {service} from {from ?? "(none)"} to {colour}: selector {k8s.SelectorKey}={colour}";
        return new PlannedPhase
        {
            Name = phase,
            Kind = PhaseKind.Traffic,
            Action = action,
            Target = Where(k8s, "service", service),
            Details = new[] { $"PUT service {service}: spec.selector.{k8s.SelectorKey}: {colour} (kubectl patch service … selector)" },
            OnFailure = onFailure,
            Run = async ct =>
            {
                var where = Where(k8s, "service", service);
                if (!run.Sink.ShouldProcess(where, action)) throw new TrafficDeclinedException(action);
                using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
                var switched = await SelectAsync(api, k8s, service, colour, ct).ConfigureAwait(false);
                await run.AnnotateAsync(DeploymentField.ActiveSlot, colour, ct).ConfigureAwait(false);
                run.Log.Write($"traffic: service {service} selects {k8s.SelectorKey}={colour} (resourceVersion {switched.Metadata.ResourceVersion})");
                return $"service {service} selects {k8s.SelectorKey}={colour}";
            },
        };
    }

    /// <summary>After the switch failed or its verification did: the selector back to the old colour, which kept running.</summary>
    private static Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> SwitchBack(DeploymentRun run, KubernetesDeploymentSettings k8s,
        string? previous) => async (_, ct) =>
    {
        if (previous is null) return DeploymentOutcome.Failed;
        var service = k8s.ServiceName(run.Config.Application);
        using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
        if (LiveColour(k8s, await api.ReadServiceAsync(service, ct).ConfigureAwait(false)) == previous) return DeploymentOutcome.Failed;
        await SelectAsync(api, k8s, service, previous, ct).ConfigureAwait(false);
        await run.AnnotateAsync(DeploymentField.ActiveSlot, previous, ct).ConfigureAwait(false);
        run.Sink.WriteWarning($"Service {service} selects {k8s.SelectorKey}={previous} again");
        return DeploymentOutcome.RolledBack;
    };

    private static PlannedPhase ScaleDown(DeploymentRun run, KubernetesDeploymentSettings k8s, string colour, TimeSpan soak) =>
        ScaleToZero(run, k8s, $"scale-down:{colour}", colour, soak, record: true);

    private static PlannedPhase ScaleToZero(DeploymentRun run, KubernetesDeploymentSettings k8s, string phase, string colour, TimeSpan soak, bool record)
    {
        var name = k8s.DeploymentName(run.Config.Application, colour);
        var wait = soak > TimeSpan.Zero ? $"After a soak of {Configuration.ValueParsers.FormatDuration(soak)}, scale" : "Scale";
        return new PlannedPhase
        {
            Name = phase,
            Kind = PhaseKind.Deploy,
            Action = $"{wait} Deployment {name} ({colour}) to 0 replicas",
            Target = Where(k8s, "deployment", name),
            Details = new[] { $"PUT deployment {name}: replicas 0 (kubectl scale --replicas=0); its replica count is journaled for Undo-Deployment" },
            Run = async ct =>
            {
                if (soak > TimeSpan.Zero)
                {
                    Progress(run, phase, $"soaking {Configuration.ValueParsers.FormatDuration(soak)} before scaling {name} down");
                    await Task.Delay(soak, run.Clock, ct).ConfigureAwait(false);
                }
                using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
                var before = await ScaleAsync(api, name, 0, ct).ConfigureAwait(false);
                if (record && before > 0 && !run.Fields.ContainsKey(ReplicasField + colour))
                    await run.AnnotateAsync(ReplicasField + colour, before.ToString(System.Globalization.CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
                return $"{name} scaled from {before} to 0 replicas";
            },
        };
    }

    private static PlannedPhase SetImage(DeploymentRun run, KubernetesDeploymentSettings k8s, string phase, string name, string? colour, int? replicas)
    {
        var image = k8s.ImageFor(run.Config.Application, run.Version, colour);
        return new PlannedPhase
        {
            Name = phase,
            Kind = PhaseKind.Deploy,
            Action = $"Deployment {name}: image {image}{(replicas is { } n ? $", {n} replicas" : colour is null ? "" : ", at least 1 replica")}; wait for the rollout",
            Target = Where(k8s, "deployment", name),
            Details = new[] { $"PUT deployment {name}, then watch it until rolled out (timeout {Configuration.ValueParsers.FormatDuration(k8s.RolloutTimeout)})" },
            Run = async ct =>
            {
                using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
                var count = replicas ?? (colour is null ? null : (int?)Math.Max(1, k8s.Replicas ?? 1));
                if (replicas is null && colour is not null && (await api.ReadDeploymentAsync(name, ct).ConfigureAwait(false)).Spec.Replicas is > 0 and var current)
                    count = current;
                return await SetImageAndWaitAsync(run, k8s, api, name, image, colour, count, ct).ConfigureAwait(false);
            },
        };
    }

    private static PlannedPhase Undo(DeploymentRun run, KubernetesDeploymentSettings k8s, string phase, string name, long? revision) => new()
    {
        Name = phase,
        Kind = PhaseKind.Deploy,
        Action = $"Roll Deployment {name} back to revision {revision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(the one before)"} and wait for it",
        Target = Where(k8s, "deployment", name),
        Details = new[] { $"GET replicasets of {name}; PUT deployment {name} with that revision's pod template (kubectl rollout undo)" },
        Run = async ct =>
        {
            using var api = new KubernetesApi(k8s.Cluster, run.Log.Write);
            var restored = await RolloutUndo.UndoAsync(api, name, revision, ct).ConfigureAwait(false);
            run.Log.Write($"{phase}: {name} back to the pod template of revision {restored}");
            var status = await RolloutWaiter.WaitAsync(api, name, k8s.RolloutTimeout, run.Clock, m => Progress(run, phase, m), ct).ConfigureAwait(false);
            return $"{name} back to revision {restored}: {status}";
        },
    };

    private static async Task<string> SetImageAndWaitAsync(DeploymentRun run, KubernetesDeploymentSettings k8s, KubernetesApi api, string name,
        string image, string? colour, int? replicas, CancellationToken ct)
    {
        var updated = await api.UpdateDeploymentAsync(name, d => Apply(k8s, d, image, colour, replicas), ct).ConfigureAwait(false);
        run.Log.Write($"deployment {name}: image {image}, replicas {updated.Spec.Replicas}, generation {updated.Metadata.Generation}");
        var status = await RolloutWaiter.WaitAsync(api, name, k8s.RolloutTimeout, run.Clock, m => Progress(run, $"rollout:{name}", m), ct).ConfigureAwait(false);
        return $"{name} runs {image}: {status}";
    }

    /// <summary>Sets the container's image (and replicas); false when both already are so. Refuses a template the selector would miss.</summary>
    private static bool Apply(KubernetesDeploymentSettings k8s, V1Deployment deployment, string image, string? colour, int? replicas)
    {
        var name = deployment.Metadata.Name;
        var where = $"{k8s.Cluster.Name}/{k8s.Cluster.Namespace}/deployment/{name}";
        var template = deployment.Spec.Template;
        if (colour is not null && (template.Metadata?.Labels is { } labels && labels.TryGetValue(k8s.SelectorKey, out var label) ? label : null) != colour)
            throw new DeployOpsException(ErrorIds.KubernetesObjectNotFound, ErrorKind.InvalidData,
                $"the pod template of {name} has no label {k8s.SelectorKey}={colour}: Service selector {k8s.SelectorKey}={colour} would match none of its pods", where);
        var containers = template.Spec?.Containers ?? new List<V1Container>();
        var container = k8s.Container is { } wanted ? containers.FirstOrDefault(c => c.Name == wanted)
            : containers.Count == 1 ? containers[0] : null;
        if (container is null)
            throw new DeployOpsException(ErrorIds.KubernetesObjectNotFound, ErrorKind.ObjectNotFound, k8s.Container is null
                ? $"{name} has {containers.Count} containers ({string.Join(", ", containers.Select(c => c.Name))}); name one in deployment.kubernetes.container"
                : $"{name} has no container '{k8s.Container}' (it has {string.Join(", ", containers.Select(c => c.Name))})", where);
        var changed = container.Image != image || replicas is { } n && deployment.Spec.Replicas != n;
        container.Image = image;
        if (replicas is { } count) deployment.Spec.Replicas = count;
        return changed;
    }

    private static async Task<V1Service> SelectAsync(KubernetesApi api, KubernetesDeploymentSettings k8s, string service, string colour, CancellationToken ct) =>
        await api.UpdateServiceAsync(service, s =>
        {
            s.Spec.Selector ??= new Dictionary<string, string>();
            if (s.Spec.Selector.TryGetValue(k8s.SelectorKey, out var current) && current == colour) return false;
            s.Spec.Selector[k8s.SelectorKey] = colour;
            return true;
        }, ct).ConfigureAwait(false);

    /// <summary>Sets replicas; returns how many there were before.</summary>
    private static async Task<int> ScaleAsync(KubernetesApi api, string name, int replicas, CancellationToken ct)
    {
        var before = 0;
        await api.UpdateDeploymentAsync(name, d =>
        {
            before = d.Spec.Replicas ?? 1;
            if (before == replicas) return false;
            d.Spec.Replicas = replicas;
            return true;
        }, ct).ConfigureAwait(false);
        return before;
    }

    private static string? LiveColour(KubernetesDeploymentSettings k8s, V1Service service)
    {
        var value = service.Spec?.Selector is { } selector && selector.TryGetValue(k8s.SelectorKey, out var v) ? v : null;
        if (value is null || KubernetesDeploymentSettings.Colours.Contains(value)) return value;
        throw new DeployOpsException(ErrorIds.KubernetesObjectNotFound, ErrorKind.InvalidData,
            $"Service {service.Metadata?.Name} selects {k8s.SelectorKey}={value}; blue-green switches it between {string.Join(" and ", KubernetesDeploymentSettings.Colours)}",
            Where(k8s, "service", service.Metadata?.Name ?? ""));
    }

    private static string Where(KubernetesDeploymentSettings k8s, string kind, string name) => $"{k8s.Cluster.Name}/{k8s.Cluster.Namespace}/{kind}/{name}";

    private static void Progress(DeploymentRun run, string phase, string message)
    {
        run.Sink.WriteProgress(new ProgressUpdate(DeploymentEngine.StepActivityId, phase, message, ParentActivityId: DeploymentEngine.PhaseActivityId));
        run.Sink.WriteVerbose($"[{phase}] {message}");
        run.Log.Write($"{phase}: {message}");
    }
}
