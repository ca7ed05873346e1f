using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Rollback;

/// <summary>
/// The phases that undo one deployment, built on the deployment engine's own pieces (its run, step runner, router
/// and rolling plan) with <c>{version}</c> = the version to go back to. Phase names start with "rollback:" so they
/// sit in the undone deployment's journal next to its own phases without being mistaken for them.
/// </summary>
internal static class RollbackPlan
{
    public const string Prefix = "rollback:";

    /// <summary>The code/traffic actions for the strategy of <paramref name="record"/>.</summary>
    public static List<PlannedPhase> Actions(DeploymentRun run, DeploymentRecord record, bool redeployAlways)
    {
        var settings = run.Settings;
        if (settings.Kubernetes is { } kubernetes) return Strategies.Kubernetes.KubernetesPlans.Rollback(run, kubernetes, record);
        var target = Slot(settings, record.Fields.GetValueOrDefault(DeploymentEngine.TargetSlotField));
        var previous = Slot(settings, record.Fields.GetValueOrDefault(DeploymentEngine.PreviousSlotField));
        switch (run.Strategy)
        {
            case DeploymentStrategy.BlueGreen:
            case DeploymentStrategy.Canary:
                if (previous is null)
                    throw new DeployOpsException(ErrorIds.RollbackNoPreviousVersion, ErrorKind.InvalidOperation,
                        $"Deployment {record.Id} has no previous slot to switch back to (first deployment?)", record.Id);
                // A slot on a set of hosts is checked (and if needed redeployed) host by host: prepare:blue.web1, …
                var phases = previous.Places.Select(p => PrepareSlot(run, p, redeployAlways)).Append(SwitchBack(run, previous)).ToList();
                if (run.Strategy == DeploymentStrategy.Canary && target is not null) phases.AddRange(target.Places.Select(p => StopCanary(run, record, p)));
                return phases;
            case DeploymentStrategy.Rolling:
                // The engine's own batch plan (out of rotation, deploy, verify, back in) with the previous version;
                // migrations are never run backwards by a code rollback.
                return StrategyPlansFor(run).Where(p => p.Name != "migrate").Select(Prefixed).ToList();
            default:
                var (targets, isSlot) = target is not null ? (target.Places.ToArray(), true) : (settings.Instances.ToArray(), false);
                if (targets.Length == 0)
                    throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                        $"deployment {record.Id} ran in place, but {run.Config.FilePath} has no deployment.slots or deployment.instances", run.Config.FilePath);
                // A hotfix on named hosts (-Target) is undone on those hosts only: the others never got its version.
                return HotfixHosts.Restrict(targets, record.Fields).Select(t => Redeploy(run, $"{Prefix}redeploy:{t.Name}", t, isSlot)).ToList();
        }
    }

    /// <summary>Health verification of the version put back: readiness and smoke on each target, then the verify steps.</summary>
    public static PlannedPhase Verify(DeploymentRun run, DeploymentRecord record)
    {
        var settings = run.Settings;
        if (settings.Kubernetes is { } kubernetes) return Strategies.Kubernetes.KubernetesPlans.RollbackVerify(run, kubernetes, record);
        var targets = run.Strategy is DeploymentStrategy.BlueGreen or DeploymentStrategy.Canary
            ? new[] { Slot(settings, record.Fields.GetValueOrDefault(DeploymentEngine.PreviousSlotField)) }.OfType<DeploymentTarget>()
                .SelectMany(t => t.Places).Select(t => (t, true)).ToList()
            : Slot(settings, record.Fields.GetValueOrDefault(DeploymentEngine.TargetSlotField)) is { } slot && run.Strategy != DeploymentStrategy.Rolling
                ? slot.Places.Select(t => (t, true)).ToList()
                : settings.Instances.Select(i => (i, false)).ToList();
        var proxyContext = run.ContextFor(targets.FirstOrDefault(t => t.Item2).Item1, isSlot: true);
        var details = targets.SelectMany(t => run.DescribeSteps(new[] { "smoke" }, run.ContextFor(t.Item1, t.Item2))
                .Prepend($"ready: GET {t.Item1.BaseUrl}{settings.ReadinessPath} answers 2xx"))
            .Concat(run.DescribeSteps(new[] { "verify" }, proxyContext)).ToList();
        return new PlannedPhase
        {
            Name = Prefix + "verify",
            Kind = PhaseKind.PostVerify,
            Action = $"Verify {run.Version} is healthy",
            Target = run.Router?.Target ?? string.Join(", ", targets.Select(t => t.Item1.Name)),
            Details = details,
            Run = async ct =>
            {
                foreach (var (t, isSlot) in targets)
                {
                    await run.WaitReadyAsync(t, ct).ConfigureAwait(false);
                    await run.RunStepsAsync(Prefix + "verify", new[] { "smoke" }, run.ContextFor(t, isSlot), ct).ConfigureAwait(false);
                }
                await run.RunStepsAsync(Prefix + "verify", new[] { "verify" }, proxyContext, ct).ConfigureAwait(false);
                return $"{run.Version} verified on {string.Join(", ", targets.Select(t => t.Item1.Name))}";
            },
        };
    }

    private static IEnumerable<PlannedPhase> StrategyPlansFor(DeploymentRun run) =>
        StrategyPlans.Build(run, skipPreChecks: true, target: null, previous: null);

    private static PlannedPhase Prefixed(PlannedPhase p) => new()
    {
        Name = Prefix + p.Name,
        Kind = p.Kind,
        Action = p.Action,
        Target = p.Target,
        Details = p.Details,
        Run = p.Run,
        OnFailure = p.OnFailure,
    };

    /// <summary>The old slot normally still runs the previous version; when it does not answer (or another version is wanted) it is redeployed first.</summary>
    private static PlannedPhase PrepareSlot(DeploymentRun run, DeploymentTarget slot, bool redeployAlways)
    {
        var context = run.ContextFor(slot, isSlot: true);
        var redeploy = Redeploy(run, $"{Prefix}prepare:{slot.Name}", slot, isSlot: true);
        return new PlannedPhase
        {
            Name = redeploy.Name,
            Kind = PhaseKind.Deploy,
            Action = redeployAlways
                ? $"Deploy {run.Version} to {slot} again"
                : $"Check that {slot} still runs; redeploy {run.Version} there if it does not answer",
            Target = slot.Name,
            Details = run.DescribeSteps(PlanPhases.DeployStepsWithoutMigrate, context).Select(d => "if needed: " + d).ToList(),
            Run = async ct =>
            {
                if (!redeployAlways && await ServingCheck.AnswersAsync(slot, run.Settings.ReadinessPath, ct).ConfigureAwait(false))
                    return $"{slot.Name} still running";
                run.Sink.WriteWarning(run.Config.Redactor.Redact($"{slot} {(redeployAlways ? "gets" : "does not answer; redeploying")} {run.Version}"));
                await redeploy.Run(ct).ConfigureAwait(false);
                return $"{slot.Name} redeployed with {run.Version}";
            },
        };
    }

    private static PlannedPhase SwitchBack(DeploymentRun run, DeploymentTarget slot)
    {
        var backends = TrafficSwitcher.AllTo(run.Settings.Slots, slot.Name);
        var action = $"Switch all traffic back to {slot} ({run.Version})";
        return new PlannedPhase
        {
            Name = $"{Prefix}traffic:{slot.Name}",
            Kind = PhaseKind.Traffic,
            Action = action,
            Target = run.Router?.Target ?? "",
            Details = new[] { TrafficBackend.Describe(backends) },
            Run = async ct =>
            {
                var change = await run.MoveTrafficAsync(action, backends, ct).ConfigureAwait(false);
                await run.AnnotateAsync(DeploymentField.ActiveSlot, slot.Name, ct).ConfigureAwait(false);
                return $"{change.To} (confirmed by {change.Probes} probes in {change.Duration.TotalMilliseconds:0} ms)";
            },
        };
    }

    /// <summary>The canary's weight is already 0 after the switch back; its stop steps take it down.</summary>
    private static PlannedPhase StopCanary(DeploymentRun run, DeploymentRecord record, DeploymentTarget canary)
    {
        var context = new StepContext(record.Version, run.Version, canary.Name, null, canary.Host, canary.Port) { Remote = canary.Remote };
        return new PlannedPhase
        {
            Name = $"{Prefix}stop:{canary.Name}",
            Kind = PhaseKind.Deploy,
            Action = $"Stop the canary {canary} ({record.Version})",
            Target = canary.Name,
            Details = run.DescribeSteps(new[] { "stop" }, context).ToList(),
            Run = async ct =>
            {
                await run.RunStepsAsync($"{Prefix}stop:{canary.Name}", new[] { "stop" }, context, ct).ConfigureAwait(false);
                return $"{canary.Name} stopped";
            },
        };
    }

    /// <summary>The deployment steps (without migrate) with the previous version on one target, until it is ready.</summary>
    private static PlannedPhase Redeploy(DeploymentRun run, string name, DeploymentTarget target, bool isSlot)
    {
        var deploy = PlanPhases.Deploy(run, name, target, isSlot, PlanPhases.DeployStepsWithoutMigrate);
        return new PlannedPhase
        {
            Name = name,
            Kind = PhaseKind.Deploy,
            Action = $"Deploy {run.Version} to {target} again",
            Target = target.Name,
            Details = deploy.Details,
            Run = async ct =>
            {
                await deploy.Run(ct).ConfigureAwait(false);
                await run.WaitReadyAsync(target, ct).ConfigureAwait(false);
                return $"{target.Name} runs {run.Version}";
            },
        };
    }

    private static DeploymentTarget? Slot(DeploymentSettings settings, string? name) =>
        name is null ? null : settings.Slots.FirstOrDefault(s => s.Name == name);
}
