using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// The rolling strategy's phases. Instance names are journaled as annotations (failed, updated, rolled back, first
/// fleet), so a resumed deployment rebuilds the same plan and knows which instances run which version.
/// </summary>
internal sealed class RollingPlan
{
    public const string FailedInstancesField = "failedInstances";
    public const string UpdatedInstancesField = "updatedInstances";
    public const string RolledBackInstancesField = "rolledBackInstances";
    /// <summary>
    /// Instances a rollback found out of rotation (those the undone rollout left failed, e.g. a host that dropped off
    /// the network): they stay out until their own batch has put the version back on them.
    /// </summary>
    public const string OutOfRotationAtStartField = "outOfRotationAtStart";

    /// <summary>The fields a rollback of <paramref name="record"/> starts with: the instances its rollout left out of rotation.</summary>
    public static Dictionary<string, string> RollbackFields(DeploymentRecord record) =>
        record.Fields.TryGetValue(FailedInstancesField, out var failed) && failed.Length > 0
            ? new Dictionary<string, string> { [OutOfRotationAtStartField] = failed }
            : new Dictionary<string, string>();
    /// <summary>Set when no instance answered at the start: all are deployed, then all put into rotation.</summary>
    public const string FirstFleetField = "firstFleet";

    private readonly DeploymentRun _run;
    private readonly IReadOnlyList<DeploymentTarget> _instances;

    private RollingPlan(DeploymentRun run, IReadOnlyList<DeploymentTarget> instances)
    {
        _run = run;
        _instances = instances;
    }

    public static IEnumerable<PlannedPhase> Build(DeploymentRun run)
    {
        var instances = run.Settings.Instances;
        if (instances.Count < 2)
            throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                $"a rolling deployment needs at least two deployment.instances in {run.Config.FilePath}", run.Config.FilePath);
        return new RollingPlan(run, instances).Phases();
    }

    /// <summary>
    /// True when nothing runs on any instance (its readiness path refuses the connection; a slow answer counts as
    /// running, see <see cref="ServingCheck.RespondsAsync"/>): there is no fleet to keep
    /// serving, so a batch cannot be taken out "while the others carry traffic" — the first fleet comes up at once.
    /// </summary>
    public static async Task<bool> IsEmptyHostAsync(ConfigModel config, CancellationToken ct)
    {
        foreach (var instance in config.Deployment.Instances)
            if (await ServingCheck.RespondsAsync(instance, config.Deployment.ReadinessPath, ct).ConfigureAwait(false)) return false;
        return true;
    }

    private IEnumerable<PlannedPhase> Phases()
    {
        if (_run.Settings.StepsFor("migrate").Count > 0)
            yield return PlanPhases.Deploy(_run, "migrate", null, false, new[] { "migrate" });
        var onFailure = OnFailure();
        if (_run.Fields.TryGetValue(RollingResume.RoundField, out var round) && round.Length > 0)
        {
            // Resumed after a budget stop: only this round runs (the earlier batches are journaled as they ended).
            foreach (var phase in RoundPhases($"resume{round}:", onFailure)) yield return phase;
            yield break;
        }
        if (_run.Fields.ContainsKey(FirstFleetField))
        {
            // Nothing serves yet: bring every instance up and verify it, then put them all into rotation together.
            yield return Batch("fleet:deploy", _instances.ToArray(), null);
            yield return In("fleet", _instances.Select(i => i.Name).ToList(), null);
            yield break;
        }
        foreach (var phase in Batches("", _instances, onFailure)) yield return phase;
    }

    /// <summary>Out, deploy and back in, batch by batch (<c>rolling.maxUnavailable</c> of the whole fleet at a time).</summary>
    private IEnumerable<PlannedPhase> Batches(string prefix, IReadOnlyList<DeploymentTarget> instances,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> onFailure)
    {
        var size = Math.Min(_run.Settings.Rolling.BatchSize(_instances.Count), _instances.Count - 1);
        var batches = instances.Chunk(size).ToList();
        for (var b = 0; b < batches.Count; b++)
        {
            var names = batches[b].Select(i => i.Name).ToList();
            var label = $"{prefix}batch{b + 1}";
            yield return Out(label, names, onFailure);
            yield return Batch($"{label}:deploy", batches[b], onFailure);
            yield return In(label, names, onFailure);
        }
    }

    /// <summary>
    /// A round after a budget stop (<see cref="RollingResume"/>): the instances that had failed are redeployed first
    /// (out of rotation, deployed and verified, back in), then the remaining ones in batches. After a first-fleet
    /// stop nothing served before, so all of them are deployed, then put into rotation together.
    /// </summary>
    private IEnumerable<PlannedPhase> RoundPhases(string prefix, Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> onFailure)
    {
        var retry = Pick(RollingResume.RetryField);
        var remaining = Pick(RollingResume.RemainingField);
        if (_run.Fields.ContainsKey(FirstFleetField))
        {
            var all = retry.Concat(remaining).ToArray();
            yield return Batch($"{prefix}fleet:deploy", all, onFailure, retry: true);
            yield return In($"{prefix}fleet", all.Select(i => i.Name).ToList(), onFailure);
            yield break;
        }
        if (retry.Count > 0)
        {
            var names = retry.Select(i => i.Name).ToList();
            yield return Out($"{prefix}retry", names, onFailure);
            yield return Batch($"{prefix}retry:deploy", retry.ToArray(), onFailure, retry: true);
            yield return In($"{prefix}retry", names, onFailure);
        }
        foreach (var phase in Batches(prefix, remaining, onFailure)) yield return phase;
    }

    /// <summary>The configured instances a journaled list names, in configuration order.</summary>
    private List<DeploymentTarget> Pick(string field)
    {
        var names = Names(field);
        return _instances.Where(i => names.Contains(i.Name)).ToList();
    }

    private HashSet<string> Names(string field) => _run.Fields.TryGetValue(field, out var f)
        ? f.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
        : new HashSet<string>(StringComparer.Ordinal);

    private Task AddNameAsync(string field, string name, CancellationToken ct)
    {
        var names = Names(field);
        names.Add(name);
        return _run.AnnotateAsync(field, string.Join(",", names.Order(StringComparer.Ordinal)), ct);
    }

    private Task RemoveNameAsync(string field, string name, CancellationToken ct)
    {
        var names = Names(field);
        return names.Remove(name) ? _run.AnnotateAsync(field, string.Join(",", names.Order(StringComparer.Ordinal)), ct) : Task.CompletedTask;
    }

    /// <summary>Every instance in rotation except <paramref name="outOfRotation"/>, the failed ones and those still out since the start.</summary>
    private List<TrafficBackend> Backends(IEnumerable<string> outOfRotation)
    {
        var stillOut = Names(OutOfRotationAtStartField).Except(Names(UpdatedInstancesField));
        var out_ = outOfRotation.Concat(Names(FailedInstancesField)).Concat(stillOut).ToHashSet(StringComparer.Ordinal);
        return _instances.Select(i => new TrafficBackend(i.Name, i.Host, i.Port, out_.Contains(i.Name) ? 0 : 1)).ToList();
    }

    private Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> OnFailure() =>
        _run.Settings.Rolling.OnFailure == RollingFailureAction.Rollback ? RollBackAsync : PutBackAsync;

    /// <summary><c>onFailure: stop</c>: every healthy instance back into rotation; failed ones stay out.</summary>
    private async Task<DeploymentOutcome> PutBackAsync(DeployOpsException cause, CancellationToken ct)
    {
        await _run.RestoreTrafficAsync(Backends(Array.Empty<string>()), ct).ConfigureAwait(false);
        return DeploymentOutcome.Failed;
    }

    private PlannedPhase Out(string label, List<string> names,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>> onFailure)
    {
        var action = $"Take {string.Join(", ", names)} out of rotation";
        return new PlannedPhase
        {
            Name = $"{label}:out",
            Kind = PhaseKind.Traffic,
            Action = action,
            Target = _run.Router?.Target ?? "",
            Details = new[] { TrafficBackend.Describe(Backends(names)) },
            OnFailure = onFailure,
            Run = async ct =>
            {
                var change = await _run.MoveTrafficAsync(action, Backends(names), ct).ConfigureAwait(false);
                var retired = await DrainAsync(ct).ConfigureAwait(false);
                return retired is null ? change.To : $"{change.To}; {retired}";
            },
        };
    }

    /// <summary>In-flight requests finish, then nginx's workers of the previous configuration are gone.</summary>
    private async Task<string?> DrainAsync(CancellationToken ct)
    {
        await Task.Delay(_run.Settings.Traffic.DrainDelay, ct).ConfigureAwait(false);
        return await _run.RequireRouter().WaitUntilRetiredAsync(ct).ConfigureAwait(false);
    }

    private PlannedPhase In(string label, List<string> names,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>>? onFailure)
    {
        var action = label == "fleet" ? $"Put {string.Join(", ", names)} into rotation (first fleet)" : $"Put {string.Join(", ", names)} back into rotation";
        return new PlannedPhase
        {
            Name = $"{label}:in",
            Kind = PhaseKind.Traffic,
            Action = action,
            Target = _run.Router?.Target ?? "",
            Details = new[] { TrafficBackend.Describe(Backends(Array.Empty<string>())) },
            OnFailure = onFailure,
            Run = async ct =>
            {
                var change = await _run.MoveTrafficAsync(action, Backends(Array.Empty<string>()), ct).ConfigureAwait(false);
                var check = await RouterCheck.VerifyAsync(_run, $"{label}:in", ct).ConfigureAwait(false);
                return check is null ? change.To : $"{change.To}; {check}";
            },
        };
    }

    /// <param name="retry">A round's redeployment of failed instances: they are deployed, not skipped, and once
    /// verified they are no longer failed (so they go back into rotation).</param>
    private PlannedPhase Batch(string name, DeploymentTarget[] batch,
        Func<DeployOpsException, CancellationToken, Task<DeploymentOutcome>>? onFailure, bool retry = false)
    {
        var steps = PlanPhases.DeployStepsWithoutMigrate;
        return new PlannedPhase
        {
            Name = name,
            Kind = PhaseKind.Deploy,
            Action = $"Deploy {_run.Version} to {string.Join(", ", batch.Select(b => b.Name))} and verify each",
            Target = string.Join(", ", batch.Select(b => b.Name)),
            Details = batch.SelectMany(i => _run.DescribeSteps(steps.Append("smoke"), _run.ContextFor(i, false)).Select(d => $"{i.Name}: {d}")).ToList(),
            OnFailure = onFailure,
            Run = async ct =>
            {
                var deployed = new List<string>();
                foreach (var instance in batch)
                {
                    if (!retry && Names(FailedInstancesField).Contains(instance.Name)) continue;
                    try
                    {
                        await DeployAsync(name, instance, _run.ContextFor(instance, false), ct).ConfigureAwait(false);
                        await AddNameAsync(UpdatedInstancesField, instance.Name, ct).ConfigureAwait(false);
                        if (retry) await RemoveNameAsync(FailedInstancesField, instance.Name, ct).ConfigureAwait(false);
                        deployed.Add(instance.Name);
                        // Which host runs which version, for Get-Deployment and for the operator after a partial rollout.
                        await _run.AnnotateAsync(StrategyPlans.InstanceVersionField(instance), $"{_run.Version} on {instance.Remote?.Name ?? instance.Host}", ct).ConfigureAwait(false);
                    }
                    // A changed host key is not a failure to budget for: it stops the rollout at once (TargetHostKeyRejected).
                    catch (DeployOpsException ex) when (ex.ErrorId != ErrorIds.TargetHostKeyRejected)
                    {
                        await AddNameAsync(FailedInstancesField, instance.Name, ct).ConfigureAwait(false);
                        if (BudgetStop(instance, ex) is { } stop)
                        {
                            // Journaled before the failure: Resume-Deployment continues a budget stop once the cause is fixed.
                            await _run.AnnotateAsync(RollingResume.BudgetStopField, name, ct).ConfigureAwait(false);
                            throw stop;
                        }
                        _run.Sink.WriteError(new DeployOpsError(ex.ErrorId, ex.Kind,
                            $"{instance.Name} failed and stays out of rotation ({Names(FailedInstancesField).Count} of {_instances.Count} failed, within maxFailPercent): {ex.Message}", instance.Name));
                    }
                }
                return deployed.Count > 0 ? $"deployed {string.Join(", ", deployed)}" : "no instance deployed";
            },
        };
    }

    private async Task DeployAsync(string phase, DeploymentTarget instance, StepContext context, CancellationToken ct)
    {
        await _run.RunStepsAsync(phase, PlanPhases.DeployStepsWithoutMigrate, context, ct).ConfigureAwait(false);
        await _run.WaitReadyAsync(instance, ct).ConfigureAwait(false);
        await _run.RunStepsAsync(phase, new[] { "smoke" }, context, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The failure budget is floor(maxFailPercent × instances) failed instances. The rollout stops when it is
    /// exceeded, and also when it is used up while instances are still to be deployed: the next one could fail too,
    /// and more than the budget must never be broken (40 % of 3 allows 1: after it, no further instance is started).
    /// </summary>
    private DeployOpsException? BudgetStop(DeploymentTarget instance, DeployOpsException cause)
    {
        var failed = Names(FailedInstancesField);
        var allowed = _run.Settings.Rolling.AllowedFailures(_instances.Count);
        var left = _instances.Count(i => !failed.Contains(i.Name) && !Names(UpdatedInstancesField).Contains(i.Name));
        if (failed.Count < allowed || (failed.Count == allowed && left == 0)) return null;
        var budget = $"maxFailPercent {DeploymentRun.Percent(_run.Settings.Rolling.MaxFailPercent)} allows {allowed} of {_instances.Count}";
        var why = failed.Count > allowed ? $"more than {budget}" : $"{budget}, used up with {left} instance(s) still to deploy";
        return new DeployOpsException(ErrorIds.RollingFailureBudgetExceeded, ErrorKind.InvalidResult,
            $"{failed.Count} of {_instances.Count} instance(s) failed ({why}); stopped before deploying another. {cause.Message}", instance.Name, cause);
    }

    /// <summary>
    /// <c>onFailure: rollback</c>: each failed or already-updated instance is taken out of rotation, deployed with the
    /// previous version (steps, readiness, smoke against that version) and put back; untouched instances keep serving
    /// throughout. Each instance rolled back is journaled. Without a previous version there is nothing to go back to:
    /// it falls back to <c>stop</c> and says so.
    /// </summary>
    private async Task<DeploymentOutcome> RollBackAsync(DeployOpsException cause, CancellationToken ct)
    {
        // Being undone: nothing left to resume.
        if (_run.Fields.GetValueOrDefault(RollingResume.BudgetStopField) is { Length: > 0 })
            await _run.AnnotateAsync(RollingResume.BudgetStopField, "", ct).ConfigureAwait(false);
        if (_run.PreviousVersion is not { } previous)
        {
            _run.Sink.WriteWarning($"rolling.onFailure is rollback, but no earlier deployment succeeded: there is no previous version to go back to; stopping instead");
            return await PutBackAsync(cause, ct).ConfigureAwait(false);
        }
        var touched = Names(FailedInstancesField).Union(Names(UpdatedInstancesField)).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var instance in _instances.Where(i => touched.Contains(i.Name) && !Names(RolledBackInstancesField).Contains(i.Name)))
        {
            // Out of rotation: this instance and every touched one not yet back on the previous version.
            var waiting = touched.Except(Names(RolledBackInstancesField)).ToList();
            var outOf = Backends(waiting);
            if (outOf.Any(b => b.Weight > 0))
            {
                await _run.RestoreTrafficAsync(outOf, ct).ConfigureAwait(false);
                await DrainAsync(ct).ConfigureAwait(false);
            }
            var context = new StepContext(previous, _run.Version, null, instance.Name, instance.Host, instance.Port);
            try
            {
                await DeployAsync($"rollback:{instance.Name}", instance, context, ct).ConfigureAwait(false);
            }
            catch (DeployOpsException ex)
            {
                problems.Add($"{instance.Name}: {ex.Message}");
                _run.Log.Write($"rollback of {instance.Name} to {previous} failed: {ex.Message}");
                continue;
            }
            await AddNameAsync(RolledBackInstancesField, instance.Name, ct).ConfigureAwait(false);
            // Back on the previous version: no longer a failed instance, it serves again.
            var failed = Names(FailedInstancesField);
            if (failed.Remove(instance.Name))
                await _run.AnnotateAsync(FailedInstancesField, string.Join(",", failed.Order(StringComparer.Ordinal)), ct).ConfigureAwait(false);
            _run.Log.Write($"rolled {instance.Name} back to {previous}");
            _run.Sink.WriteVerbose($"[rollback] {instance.Name} runs {previous} again");
        }
        var stillOut = touched.Except(Names(RolledBackInstancesField)).ToList();
        if (Backends(stillOut) is var serving && serving.Any(b => b.Weight > 0)) await _run.RestoreTrafficAsync(serving, ct).ConfigureAwait(false);
        if (problems.Count > 0)
            throw new DeployOpsException(cause.ErrorId, ErrorKind.InvalidResult,
                $"rolling back to {previous} failed for {string.Join("; ", problems)}; those instances stay out of rotation", stillOut.FirstOrDefault());
        _run.Sink.WriteWarning($"Rolled back {string.Join(", ", Names(RolledBackInstancesField).Order(StringComparer.Ordinal))} to {previous} after: {cause.Message}");
        return DeploymentOutcome.RolledBack;
    }
}
