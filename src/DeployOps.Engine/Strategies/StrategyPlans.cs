using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Strategies;

/// <summary>The phase plan of each strategy. Phase names are stable: the journal and Resume-Deployment key on them.</summary>
internal static class StrategyPlans
{
    public static List<PlannedPhase> Build(DeploymentRun run, bool skipPreChecks, DeploymentTarget? target, DeploymentTarget? previous)
    {
        var phases = new List<PlannedPhase?> { PlanPhases.PreChecks(run, skipPreChecks), PlanPhases.BeforeDeploy(run) };
        if (run.Settings.Kubernetes is { } kubernetes) phases.AddRange(Kubernetes.KubernetesPlans.Deploy(run, kubernetes));
        else switch (run.Strategy)
        {
            case DeploymentStrategy.BlueGreen: phases.AddRange(BlueGreen(run, target!, previous)); break;
            case DeploymentStrategy.Canary: phases.AddRange(Canary(run, target!, previous)); break;
            case DeploymentStrategy.Rolling: phases.AddRange(RollingPlan.Build(run)); break;
            default: phases.AddRange(Hotfix(run, target)); break;
        }
        phases.Add(Docker.DockerDeployments.OperatorTagsPhase(run));
        phases.Add(PlanPhases.AfterDeploy(run));
        // A hotfix moves no traffic, so nothing else looks through the router; after maintenance is left, users' view.
        if (run.Strategy == DeploymentStrategy.Hotfix) phases.Add(PlanPhases.RouterCheckPhase(run));
        return phases.OfType<PlannedPhase>().ToList();
    }

    /// <summary>
    /// Deploy and verify the idle slot; a slot on a set of hosts is deployed and verified host by host
    /// (<c>deploy:green.web3</c>, <c>verify:green.web3</c>, …) before any traffic moves.
    /// </summary>
    private static IEnumerable<PlannedPhase> DeployAndVerify(DeploymentRun run, DeploymentTarget target)
    {
        foreach (var place in target.Places)
        {
            yield return PlanPhases.AfterRouterRetired(run, PlanPhases.Deploy(run, $"deploy:{place.Name}", place, true, PlanPhases.DeploySteps));
            yield return PlanPhases.Verify(run, $"verify:{place.Name}", place, true);
        }
    }

    private static IEnumerable<PlannedPhase> BlueGreen(DeploymentRun run, DeploymentTarget target, DeploymentTarget? previous)
    {
        foreach (var phase in DeployAndVerify(run, target)) yield return phase;
        yield return SwitchAll(run, $"traffic:{target.Name}", target, previous, null);
        yield return PlanPhases.PostVerify(run, target, true, SwitchBack(run, previous));
    }

    private static IEnumerable<PlannedPhase> Canary(DeploymentRun run, DeploymentTarget target, DeploymentTarget? previous)
    {
        foreach (var phase in DeployAndVerify(run, target)) yield return phase;
        var abort = SwitchBack(run, previous);
        if (previous is null)
        {
            // Nothing to compare against on a first deployment: all traffic goes to the verified slot.
            yield return SwitchAll(run, $"traffic:{target.Name}", target, null, null);
        }
        else
        {
            foreach (var weight in run.Settings.Canary.Steps)
            {
                if (weight >= 100)
                {
                    yield return CanaryRouterCheck.Around(run, SwitchAll(run, "canary:100%", target, previous, abort),
                        TrafficSwitcher.AllTo(run.Settings.Slots, target.Name));
                    break;
                }
                // Each host of the canary slot gets the canary's weight, each of the other its rest: the share stays weight %.
                var backends = run.Settings.Slots.SelectMany(s => s.Places.Select(p => new TrafficBackend(p.Name, p.Host, p.Port,
                    s.Name == target.Name ? weight : s.Name == previous.Name ? 100 - weight : 0))).ToList();
                var action = $"Send {weight}% of traffic to {target.Name} ({run.Version}), {100 - weight}% to {previous.Name}";
                // Each step is confirmed through the router with its figures before its gate watches it.
                yield return CanaryRouterCheck.Around(run, new PlannedPhase
                {
                    Name = $"canary:{weight}%",
                    Kind = PhaseKind.Traffic,
                    Action = action,
                    Target = run.Router?.Target ?? "",
                    Details = new[] { TrafficBackend.Describe(backends) },
                    Run = async ct => (await run.MoveTrafficAsync(action, backends, ct).ConfigureAwait(false)).To,
                    OnFailure = abort,
                }, backends);
                yield return Gate(run, $"gate:{weight}%", target, previous, weight, abort);
            }
        }
        yield return PlanPhases.PostVerify(run, target, true, abort);
    }

    private static PlannedPhase Gate(DeploymentRun run, string name, DeploymentTarget canary, DeploymentTarget baseline, int weight,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> abort)
    {
        var settings = run.Settings.Canary;
        return new PlannedPhase
        {
            Name = name,
            Kind = PhaseKind.Gate,
            Action = $"Watch {canary.Name} at {weight}% for {Configuration.ValueParsers.FormatDuration(settings.Pause)}, then gate on its health",
            Target = canary.Name,
            Details = new[] { $"fail above {DeploymentRun.Percent(settings.MaxErrorRatePercent)} errors; inconclusive below {settings.MinRequests} requests: {settings.OnInconclusive}" },
            OnFailure = abort,
            Run = async ct =>
            {
                await using var approvals = CanaryApprovals.Open(run.Config);
                if (await approvals.FindAsync(run.Id, name, ct).ConfigureAwait(false) is { } earlier)
                    return earlier.Denied ? throw GateDenied(earlier, canary) : $"approved by {earlier.ApprovedBy}";
                var result = await run.Gate.EvaluateAsync(new CanaryGateContext(run.Config, run.Id, run.Version, canary, baseline, weight,
                    settings.Pause, run.Sink), ct).ConfigureAwait(false);
                var reason = run.Config.Redactor.Redact(result.Reason);
                run.Log.Write($"gate {name}: {result.Verdict}: {reason}");
                run.Sink.WriteVerbose($"Canary gate {name}: {result.Verdict}: {reason}");
                if (result.Verdict == CanaryVerdict.Pass) return $"Pass: {reason}";
                if (result.Verdict == CanaryVerdict.Fail || settings.OnInconclusive == InconclusiveAction.Fail)
                    throw new DeployOpsException(ErrorIds.CanaryGateFailed, ErrorKind.InvalidResult,
                        $"Canary gate {name} on {canary.Name} ({run.Version}): {result.Verdict}: {reason}", canary.Name);
                if (settings.OnInconclusive == InconclusiveAction.Proceed) return $"Inconclusive (proceeding): {reason}";
                run.Sink.WriteWarning($"Canary gate {name} is inconclusive ({reason}). Waiting up to " +
                    $"{Configuration.ValueParsers.FormatDuration(settings.ApprovalTimeout)} for Approve-Deployment -Id {run.Id}");
                var approval = await approvals.WaitAsync(run.Id, name, reason, settings.ApprovalTimeout, ct).ConfigureAwait(false)
                    ?? throw new DeployOpsException(ErrorIds.CanaryApprovalTimedOut, ErrorKind.OperationTimeout,
                        $"Canary gate {name} was inconclusive ({reason}) and nobody approved it within {Configuration.ValueParsers.FormatDuration(settings.ApprovalTimeout)}",
                        canary.Name);
                if (approval.Denied) throw GateDenied(approval, canary);
                return $"Inconclusive, approved by {approval.ApprovedBy}";
            },
        };
    }

    /// <summary>Deny-Deployment on a waiting gate: the canary fails (and goes back to weight 0) as a failed gate does.</summary>
    private static DeployOpsException GateDenied(DeploymentApproval denial, DeploymentTarget canary) =>
        new(ErrorIds.CanaryGateFailed, ErrorKind.PermissionDenied,
            $"Canary gate {denial.Gate} was denied by {denial.ApprovedBy}" + (denial.Reason is { Length: > 0 } why ? $": {why}" : ""), canary.Name);

    private static PlannedPhase SwitchAll(DeploymentRun run, string name, DeploymentTarget target, DeploymentTarget? previous,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>>? onFailure)
    {
        var backends = TrafficSwitcher.AllTo(run.Settings.Slots, target.Name);
        var action = $"Switch all traffic from {previous?.Name ?? "(none)"} to {target.Name} ({run.Version})";
        return new PlannedPhase
        {
            Name = name,
            Kind = PhaseKind.Traffic,
            Action = action,
            Target = run.Router?.Target ?? "",
            Details = new[] { TrafficBackend.Describe(backends) },
            OnFailure = onFailure,
            Run = async ct =>
            {
                var change = await run.MoveTrafficAsync(action, backends, ct).ConfigureAwait(false);
                await run.AnnotateAsync(DeploymentField.ActiveSlot, target.Name, ct).ConfigureAwait(false);
                return $"{change.To} (confirmed by {change.Probes} probes)";
            },
        };
    }

    /// <summary>After traffic moved, a failure sends everything back to the previous slot, which kept running.</summary>
    private static Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> SwitchBack(DeploymentRun run, DeploymentTarget? previous) =>
        async (_, ct) =>
        {
            if (previous is null) return DeploymentOutcome.Failed;
            var current = await run.RequireRouter().ReadCurrentAsync(ct).ConfigureAwait(false);
            var target = TrafficSwitcher.AllTo(run.Settings.Slots, previous.Name);
            if (current is not null && TrafficBackend.Describe(current) == TrafficBackend.Describe(target)) return DeploymentOutcome.Failed;
            await run.RestoreTrafficAsync(target, ct).ConfigureAwait(false);
            await run.AnnotateAsync(DeploymentField.ActiveSlot, previous.Name, ct).ConfigureAwait(false);
            return DeploymentOutcome.RolledBack;
        };

    /// <summary>The journal field saying which version an instance (and its host) got: <c>version@web1-app</c>.</summary>
    public static string InstanceVersionField(DeploymentTarget instance) => "version@" + instance.Name;

    private static IEnumerable<PlannedPhase> Hotfix(DeploymentRun run, DeploymentTarget? activeSlot)
    {
        var (all, isSlot) = activeSlot is not null ? (activeSlot.Places.ToArray(), true) : (run.Settings.Instances.ToArray(), false);
        if (all.Length == 0)
            throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                $"a hotfix needs deployment.slots or deployment.instances in {run.Config.FilePath}", run.Config.FilePath);
        // -Target: only the places on the named hosts (journaled, so a resumed hotfix keeps them).
        var targets = HotfixHosts.Restrict(all, run.Fields).ToArray();
        var separateMigrate = targets.Length > 1 && run.Settings.StepsFor("migrate").Count > 0;
        if (separateMigrate) yield return PlanPhases.Deploy(run, "migrate", null, false, new[] { "migrate" });
        // Restarting the only backend that takes traffic fails requests while it is down, unless maintenance hides it.
        // A target the router sends nothing to (a first deployment) restarts unseen: there is nothing to warn about.
        var intoRotation = run.Fields.GetValueOrDefault(HotfixRotation.Field, "").Split(',');
        var restartNote = all.Length == 1 && !intoRotation.Contains(all[0].Name) ? HotfixRestartNote(run) : null;
        foreach (var target in targets)
        {
            // Entering maintenance reloads nginx: workers of the old configuration may still be proxying to the target.
            var deploy = PlanPhases.AfterRouterRetired(run, PlanPhases.Deploy(run, $"hotfix:{target.Name}", target, isSlot,
                separateMigrate ? PlanPhases.DeployStepsWithoutMigrate : PlanPhases.DeploySteps));
            yield return restartNote is not { } note ? deploy : deploy.Wrapped(work => async ct =>
            {
                if (note.Hidden) run.Sink.WriteVerbose($"[{deploy.Name}] {note.Full(target)}");
                else run.Sink.WriteWarning($"[{deploy.Name}] {note.Full(target)}");
                run.Log.Write($"{deploy.Name}: {note.Full(target)}");
                // A file written with older server parameters (nginx's 10 s fail_timeout) would black-hole the restart.
                if (await run.Router!.RefreshAsync(ct).ConfigureAwait(false) is { } refreshed)
                {
                    var text = run.Config.Redactor.Redact($"rewrote {run.Router.Target} with the configured server parameters: {refreshed.To}");
                    run.Log.Write($"{deploy.Name}: {text}");
                    run.Sink.WriteVerbose($"[{deploy.Name}] {text}");
                }
                return await work(ct).ConfigureAwait(false);
            }, action: $"{deploy.Action} in place ({note.Short})", details: deploy.Details.Prepend(note.Full(target)).ToList());
            yield return HotfixHosts.RecordingVersion(run, PlanPhases.Verify(run, $"smoke:{target.Name}", target, isSlot), target);
        }
        if (HotfixRotation.Phase(run, targets, isSlot) is { } intoRotationPhase) yield return intoRotationPhase;
    }

    private sealed record RestartNote(bool Hidden, string Short, Func<DeploymentTarget, string> Full);

    /// <summary>What users see while a hotfix restarts the only serving target, said in the plan and the output.</summary>
    private static RestartNote? HotfixRestartNote(DeploymentRun run)
    {
        if (run.Router is null) return null;
        var maintenance = run.Config.Maintenance;
        if (run.Settings.HotfixMaintenance && maintenance.Nginx is not null)
            return new RestartNote(true, "maintenance on", t =>
                $"{t.Name} is the only backend taking traffic: nginx serves the maintenance page while it restarts (deployment.hotfix.maintenance)");
        if (run.Settings.Traffic.Provider == TrafficProvider.Haproxy && !run.Settings.HotfixMaintenance)
            return new RestartNote(false, "no maintenance: haproxy holds requests only while its retries last", t =>
                $"{t.Name} is the only backend taking traffic and restarts in place: haproxy holds each request while it retries the " +
                "refused connect ('retries' in haproxy.cfg, about 1 s apart) and its health check has not marked the server down " +
                "('fall' x 'inter'); a restart longer than that fails requests through the router (see 'Failure rules' in docs/deployment.md)");
        // A flag file or Redis key is read by the application, which is down during the restart: only nginx can answer then.
        var why = !run.Settings.HotfixMaintenance
            ? "set deployment.hotfix.maintenance: true with maintenance.nginx to serve the maintenance page instead"
            : maintenance.HasMechanism
                ? "deployment.hotfix.maintenance is on, but only the application reads its flag (no maintenance.nginx), and it is down meanwhile"
                : "deployment.hotfix.maintenance is set but no maintenance mechanism is configured (maintenance.nginx)";
        return new RestartNote(false, "no maintenance: requests fail while it restarts", t =>
            $"{t.Name} is the only backend taking traffic and restarts without maintenance: requests through the router fail until it answers again; {why}");
    }
}
