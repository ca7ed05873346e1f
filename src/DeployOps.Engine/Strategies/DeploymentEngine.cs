using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Notifications;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Runs a strategy's phase plan under the deployment lock. Every phase start and end is journaled (durably) before
/// the next action, so a killed deployment is Interrupted with its last completed phase and Resume-Deployment
/// continues from there. A failure runs the failing phase's compensation (switch back, canary weight 0, instances
/// back into rotation), finishes the record, writes the error and returns the record.
/// </summary>
internal static class DeploymentEngine
{
    public const int PhaseActivityId = 40;
    public const int StepActivityId = 41;
    internal const string TargetSlotField = "targetSlot";
    internal const string PreviousSlotField = "previousSlot";
    private const string SkipPreChecksField = "skipPreChecks";
    private const string NoBackupField = "noBackup";

    /// <summary>The gate <c>deployment.canary.gate.use</c> names, when the caller supplies none.</summary>
    private static ICanaryGate DefaultGate(ConfigModel config) => config.Deployment.Canary.Gate == CanaryGateKind.DecisionMatrix
        ? new DecisionMatrixCanaryGate()
        : new HealthEndpointCanaryGate();

    /// <summary>Deploys; returns the record, or null under -WhatIf (the plan is written as <see cref="DeploymentPlanItem"/>s).</summary>
    public static async Task<DeploymentRecord?> InvokeAsync(ConfigModel config, DeploymentOptions options, IOutputSink sink,
        CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        if (string.IsNullOrWhiteSpace(options.Version))
            throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidArgument, "a version is required", null);
        // Before anything is opened, planned or run (also under -WhatIf): the version becomes paths, tags and names.
        Security.Identifiers.ValidateVersion(options.Version, "-Version");
        config.ChangeControl.Ensure(config, options.Command, options.Reason, options.ChangeTicket);
        // Refused under -WhatIf too: the plan of a deployment that cannot run now would mislead.
        var frozen = config.Freeze.Check(config, options.Clock.GetUtcNow(), options.OverrideFreeze, options.Reason, options.ApprovedBy);
        var strategy = options.Strategy ?? config.Deployment.Strategy;
        var log = new DeploymentLog(null, config.Redactor);
        using var _ = log;
        var router = CreateRouter(config, log);
        await using var store = DeploymentStore.Open(config);
        await Recovery.EnsureNothingInterruptedAsync(config, store, options.Force, sink, options.Command, cancellationToken).ConfigureAwait(false);
        var previousVersion = await LastSucceededVersionAsync(store, cancellationToken).ConfigureAwait(false);
        var (target, previous) = await ChooseSlotsAsync(config, strategy, router, sink, cancellationToken).ConfigureAwait(false);
        var id = DeploymentIds.New();
        var run = new DeploymentRun(config, id, strategy, options.Version, previousVersion, options.Hooks,
            options.CanaryGate ?? DefaultGate(config), options.NoBackup, sink, router, log, new Dictionary<string, string>()) { Clock = options.Clock };
        await Kubernetes.KubernetesPlans.PrepareAsync(run, cancellationToken).ConfigureAwait(false);
        // Journaled below, so a resumed deployment keeps the first-fleet plan even once some instances answer.
        if (strategy == DeploymentStrategy.Rolling && await RollingPlan.IsEmptyHostAsync(config, cancellationToken).ConfigureAwait(false))
            run.Fields[RollingPlan.FirstFleetField] = "true";
        var hotfixPlaces = target is not null ? target.Places : config.Deployment.Instances;
        if (options.Targets.Count > 0)
            run.Fields[HotfixHosts.Field] = string.Join(",", HotfixHosts.Resolve(config, strategy, hotfixPlaces, options.Targets));
        if (strategy == DeploymentStrategy.Hotfix && router is not null)
        {
            var hotfixTargets = HotfixHosts.Restrict(hotfixPlaces, run.Fields);
            var outOfRotation = await HotfixRotation.OutOfRotationAsync(router, hotfixTargets, cancellationToken).ConfigureAwait(false);
            if (outOfRotation.Count > 0) run.Fields[HotfixRotation.Field] = string.Join(",", outOfRotation);
        }
        var plan = StrategyPlans.Build(run, options.SkipPreChecks, target, previous);

        var audit = AuditLog.For(config);
        var what = $"Deploy {options.Version} with {strategy}: {string.Join(" -> ", plan.Select(p => p.Name))}";
        var subject = $"{config.Application}/{config.Environment}";
        var approval = config.Deployment.Approval;
        if (!sink.ShouldProcess(subject, approval.Required ? $"Request {approval.Describe()}, then: {what}" : what))
        {
            // The sign-off comes first in the plan when deployment.approval requires one.
            var first = 1;
            if (approval.Required) sink.WriteRecord(SignOffRequest.PlanItem(config, first++));
            for (var i = 0; i < plan.Count; i++) sink.WriteRecord(plan[i].ToItem(i + first));
            if (sink.IsDryRun && options.Hooks is not null) await Migrations.MigrationPreflight.WritePlanAsync(config, sink, cancellationToken).ConfigureAwait(false);
            if (!sink.IsDryRun) audit.Write(options.Command, config.Redactor.Redact(what), subject, "Skipped");
            return null;
        }

        var tracker = await StartRecordAsync(store, log, DeploymentLog.PathFor(config, id), id, options.Version, strategy, previousVersion,
            cancellationToken).ConfigureAwait(false);
        await using (tracker.ConfigureAwait(false))
        {
            run.Tracker = tracker;
            if (target is not null) await run.AnnotateAsync(TargetSlotField, target.Name, cancellationToken).ConfigureAwait(false);
            if (previous is not null) await run.AnnotateAsync(PreviousSlotField, previous.Name, cancellationToken).ConfigureAwait(false);
            if (run.Fields.ContainsKey(RollingPlan.FirstFleetField)) await run.AnnotateAsync(RollingPlan.FirstFleetField, "true", cancellationToken).ConfigureAwait(false);
            if (run.Fields.TryGetValue(HotfixHosts.Field, out var hotfixHosts)) await run.AnnotateAsync(HotfixHosts.Field, hotfixHosts, cancellationToken).ConfigureAwait(false);
            if (run.Fields.TryGetValue(HotfixRotation.Field, out var intoRotation)) await run.AnnotateAsync(HotfixRotation.Field, intoRotation, cancellationToken).ConfigureAwait(false);
            if (options.SkipPreChecks) await run.AnnotateAsync(SkipPreChecksField, "true", cancellationToken).ConfigureAwait(false);
            if (options.NoBackup) await run.AnnotateAsync(NoBackupField, "true", cancellationToken).ConfigureAwait(false);
            var change = new Dictionary<string, string>();
            if (!string.IsNullOrWhiteSpace(options.Reason)) change[DeploymentField.Reason] = config.Redactor.Redact(options.Reason);
            if (!string.IsNullOrWhiteSpace(options.ChangeTicket)) change[DeploymentField.ChangeTicket] = config.Redactor.Redact(options.ChangeTicket);
            foreach (var (field, value) in change) await run.AnnotateAsync(field, value, cancellationToken).ConfigureAwait(false);
            audit.Write(options.Command, config.Redactor.Redact(what), subject, "Started", change, id);
            if (frozen is not null) await FreezeOverriddenAsync(config, run, frozen, options, sink, cancellationToken).ConfigureAwait(false);
            if (await SignOffRequest.AwaitAsync(run, what, options.Clock, options.Command, cancellationToken).ConfigureAwait(false) is { } refused)
                return refused;
            log.Write($"deployment {id}: {what}");
            await new Notifier(config, sink).NotifyAsync(NotificationEvent.DeploymentStarted, NotificationValues.Of(run, null), options.Command,
                id, cancellationToken).ConfigureAwait(false);
            return await ExecuteAsync(run, plan, resuming: false, options.Command, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Continues an interrupted deployment after its last completed phase.</summary>
    public static async Task<DeploymentRecord?> ResumeAsync(ConfigModel config, ResumeDeploymentOptions options, IOutputSink sink,
        CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        await using var store = DeploymentStore.Open(config);
        var id = options.Id ?? await DefaultResumeIdAsync(store, cancellationToken).ConfigureAwait(false)
            ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No interrupted deployment (or rolling rollout stopped by its failure budget) of {config.Application}/{config.Environment} to resume", null);
        var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound, $"No deployment {id} in {store.Location}", id);
        if (record.Kind == DeploymentKind.TrafficSwitch)
            throw TrafficSwitchHistory.NotADeployment(record, ErrorIds.DeploymentNotResumable, options.Command);
        if (Recovery.IsInterruptedRollback(record)) throw Recovery.RollbackInterrupted(record);
        // A journal written before versions were validated (or edited by hand) must not smuggle a version in.
        Security.Identifiers.ValidateVersion(record.Version, $"version of deployment {id}");
        if (record.PreviousVersion is { Length: > 0 } recordedPrevious)
            Security.Identifiers.ValidateVersion(recordedPrevious, $"previous version of deployment {id}");
        var subject = $"{config.Application}/{config.Environment}";
        var what = RollingResume.IsBudgetStop(record) ? RollingResume.Describe(record)
            : $"Resume deployment {id} ({record.Version}, {record.Strategy}) after phase {record.LastCompletedPhase ?? "(none)"}";
        var audit = AuditLog.For(config);
        if (!sink.ShouldProcess(subject, what))
        {
            if (!sink.IsDryRun) audit.Write(options.Command, what, subject, "Skipped", null, id);
            return null;
        }
        var tracker = await DeploymentTracker.ResumeAsync(store, id, cancellationToken, RollingResume.IsResumable).ConfigureAwait(false);
        await using (tracker.ConfigureAwait(false))
        {
            var fields = tracker.Current.Fields;
            var strategy = Enum.Parse<DeploymentStrategy>(record.Strategy, ignoreCase: true);
            using var log = new DeploymentLog(record.LogPath, config.Redactor);
            log.Write($"deployment {id} resumed by {OperatorIdentity.Current}");
            var run = new DeploymentRun(config, id, strategy, record.Version, record.PreviousVersion, options.Hooks,
                options.CanaryGate ?? DefaultGate(config), fields.ContainsKey(NoBackupField), sink, CreateRouter(config, log), log, fields)
            {
                Tracker = tracker,
            };
            await Kubernetes.KubernetesPlans.PrepareAsync(run, cancellationToken).ConfigureAwait(false);
            // Stopped by its failure budget (as read under the lock): a new round, journaled before the plan is built.
            if (strategy == DeploymentStrategy.Rolling && fields.GetValueOrDefault(RollingResume.BudgetStopField) is { Length: > 0 })
                await RollingResume.BeginRoundAsync(run, cancellationToken).ConfigureAwait(false);
            var target = Slot(config, fields.GetValueOrDefault(TargetSlotField));
            var previous = Slot(config, fields.GetValueOrDefault(PreviousSlotField));
            var plan = StrategyPlans.Build(run, fields.ContainsKey(SkipPreChecksField), target, previous);
            audit.Write(options.Command, what, subject, "Started", null, id);
            // Interrupted while waiting for its sign-off: it is asked for again before anything runs.
            if (await SignOffRequest.AwaitAsync(run, what, TimeProvider.System, options.Command, cancellationToken).ConfigureAwait(false) is { } refused)
                return refused;
            return await ExecuteAsync(run, plan, resuming: true, options.Command, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<DeploymentRecord> ExecuteAsync(DeploymentRun run, List<PlannedPhase> plan, bool resuming, string command,
        CancellationToken ct)
    {
        var tracker = run.Tracker!;
        var indices = PhasesToRun(plan, tracker, resuming);
        foreach (var i in indices.Where(i => tracker.IsPhaseCompleted(plan[i].Name))) run.Rerun.Add(plan[i].Name);
        var activity = $"Deploying {run.Version} ({run.Strategy}) to {run.Config.Application}/{run.Config.Environment}";
        foreach (var i in indices)
        {
            var phase = plan[i];
            ct.ThrowIfCancellationRequested();
            run.Sink.WriteProgress(new ProgressUpdate(PhaseActivityId, activity, $"{phase.Name}: {phase.Action}", i * 100 / plan.Count));
            run.Log.Write($"phase {phase.Name} started: {phase.Action}");
            await tracker.PhaseStartedAsync(phase.Name, ct).ConfigureAwait(false);
            string? detail;
            try
            {
                detail = await phase.Run(ct).ConfigureAwait(false);
            }
            catch (TrafficDeclinedException declined)
            {
                run.Log.Write($"phase {phase.Name}: {declined.Message}");
                run.Sink.WriteWarning($"Stopped before phase {phase.Name}: {declined.Message}. Resume-Deployment -Id {run.Id} continues from there.");
                var stopped = await tracker.FinishAsync(DeploymentOutcome.Interrupted, declined.Message, CancellationToken.None).ConfigureAwait(false);
                Complete(run, activity);
                run.Sink.WriteRecord(stopped);
                return stopped;
            }
            catch (DeployOpsException failure)
            {
                return await FailAsync(run, plan, phase, failure, command, activity).ConfigureAwait(false);
            }
            catch (Exception unexpected) when (unexpected is not OperationCanceledException)
            {
                var failure = new DeployOpsException(ErrorIds.UnexpectedError, ErrorKind.NotSpecified,
                    $"{unexpected.GetType().Name}: {unexpected.Message}", phase.Name, unexpected);
                return await FailAsync(run, plan, phase, failure, command, activity).ConfigureAwait(false);
            }
            var redacted = detail is null ? null : run.Config.Redactor.Redact(detail);
            await tracker.PhaseCompletedAsync(phase.Name, redacted, ct).ConfigureAwait(false);
            run.Log.Write($"phase {phase.Name} completed{(redacted is null ? "" : ": " + redacted)}");
        }
        var record = await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
        run.Log.Write($"deployment {run.Id} succeeded");
        AuditLog.For(run.Config).Write(command, $"Deploy {run.Version} with {run.Strategy}", $"{run.Config.Application}/{run.Config.Environment}",
            "Succeeded", Details(record), run.Id);
        await new Notifier(run.Config, run.Sink).NotifyAsync(NotificationEvent.DeploymentSucceeded, NotificationValues.Of(run, record), command,
            run.Id, CancellationToken.None).ConfigureAwait(false);
        Complete(run, activity);
        run.Sink.WriteRecord(record);
        return record;
    }

    /// <summary>
    /// Which phases to run: all on a fresh deployment; on resume, those not completed — and when the next one moves
    /// traffic, the verification before it again, so traffic never goes to a target that was not verified just now.
    /// </summary>
    private static List<int> PhasesToRun(List<PlannedPhase> plan, DeploymentTracker tracker, bool resuming)
    {
        if (!resuming) return Enumerable.Range(0, plan.Count).ToList();
        var first = plan.FindIndex(p => !tracker.IsPhaseCompleted(p.Name));
        if (first < 0) return new List<int>();
        var result = new List<int>();
        if (plan[first].Kind == PhaseKind.Traffic && plan.FindLastIndex(first, p => p.Kind == PhaseKind.Verify) is var verify and >= 0)
            result.Add(verify);
        result.AddRange(Enumerable.Range(first, plan.Count - first).Where(i => !tracker.IsPhaseCompleted(plan[i].Name)));
        return result;
    }

    private static async Task<DeploymentRecord> FailAsync(DeploymentRun run, List<PlannedPhase> plan, PlannedPhase phase,
        DeployOpsException failure, string command, string activity)
    {
        var tracker = run.Tracker!;
        var message = run.Config.Redactor.Redact(failure.Message);
        run.Log.Write($"phase {phase.Name} failed: {message}");
        await tracker.PhaseFailedAsync(phase.Name, message, CancellationToken.None).ConfigureAwait(false);
        var outcome = DeploymentOutcome.Failed;
        if (phase.OnFailure is not null)
        {
            try
            {
                outcome = await phase.OnFailure(failure, CancellationToken.None).ConfigureAwait(false);
                if (outcome == DeploymentOutcome.RolledBack) message += " Traffic was switched back to the previous version.";
            }
            catch (DeployOpsException compensation)
            {
                run.Sink.WriteError(compensation.ToError());
                message += $" Restoring traffic failed too: {run.Config.Redactor.Redact(compensation.Message)}";
            }
        }
        // A phase after after-deploy (the hotfix's router check) fails with maintenance already left: nothing to undo.
        if (run.Hooks is not null && phase.Kind != PhaseKind.Hook && tracker.IsPhaseCompleted("before-deploy") && !tracker.IsPhaseCompleted("after-deploy"))
        {
            try
            {
                await run.Hooks.AfterDeployAsync(PlanPhases.HookContext(run, succeeded: false), CancellationToken.None).ConfigureAwait(false);
            }
            catch (DeployOpsException hook)
            {
                run.Sink.WriteError(hook.ToError());
            }
        }
        var record = await tracker.FinishAsync(outcome, message, CancellationToken.None).ConfigureAwait(false);
        AuditLog.For(run.Config).Write(command, $"Deploy {run.Version} with {run.Strategy}", $"{run.Config.Application}/{run.Config.Environment}",
            outcome.ToString(), Details(record), run.Id);
        await new Notifier(run.Config, run.Sink).NotifyAsync(outcome == DeploymentOutcome.RolledBack ? NotificationEvent.DeploymentRolledBack
            : NotificationEvent.DeploymentFailed, NotificationValues.Of(run, record), command, run.Id, CancellationToken.None).ConfigureAwait(false);
        Complete(run, activity);
        run.Sink.WriteError(new DeployOpsError(failure.ErrorId, failure.Kind,
            $"Deployment {run.Id} of {run.Version} stopped in phase {phase.Name}: {message}", record));
        run.Sink.WriteRecord(record);
        return record;
    }

    /// <summary>An emergency fix let through a freeze: journaled on the record, audited and notified.</summary>
    private static async Task FreezeOverriddenAsync(ConfigModel config, DeploymentRun run, FreezeWindow window, DeploymentOptions options,
        IOutputSink sink, CancellationToken ct)
    {
        await run.AnnotateAsync(DeploymentField.FreezeOverridden, window.Name, ct).ConfigureAwait(false);
        AuditLog.For(config).Write(options.Command, "override freeze", window.Name, "Overridden", new Dictionary<string, string>
        {
            ["window"] = window.Describe(),
            [DeploymentField.Reason] = config.Redactor.Redact(options.Reason),
            ["approvedBy"] = options.ApprovedBy ?? "",
        }, run.Id);
        sink.WriteWarning($"Deploying {run.Version} inside the change freeze '{window.Name}' ({window.Describe()}): {config.Redactor.Redact(options.Reason)}");
        var values = NotificationValues.Of(run, null);
        values["message"] = $"'{window.Name}' ({window.Describe()})" + (options.ApprovedBy is null ? "" : $", approved by {options.ApprovedBy}");
        await new Notifier(config, sink).NotifyAsync(NotificationEvent.FreezeOverridden, values, options.Command, run.Id, ct).ConfigureAwait(false);
    }

    private static void Complete(DeploymentRun run, string activity) =>
        run.Sink.WriteProgress(new ProgressUpdate(PhaseActivityId, activity, "Done", 100, Completed: true));

    private static Dictionary<string, string> Details(DeploymentRecord record) => new()
    {
        ["version"] = record.Version,
        ["previousVersion"] = record.PreviousVersion ?? "",
        ["phases"] = string.Join(",", record.Phases.Select(p => $"{p.Name}:{p.Status}")),
        ["durationMs"] = ((long)(record.Duration ?? TimeSpan.Zero).TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ["error"] = record.Error ?? "",
    };

    private static ITrafficRouter? CreateRouter(ConfigModel config, DeploymentLog log) =>
        config.Deployment.Traffic.Provider == TrafficProvider.None ? null : TrafficSwitcher.CreateRouter(config, log.Write);

    private static DeploymentTarget? Slot(ConfigModel config, string? name) =>
        name is null ? null : config.Deployment.Slots.FirstOrDefault(s => s.Name == name);

    /// <summary>Without -Id: the newest deployment when it is a rollout stopped by its budget, else the newest interrupted one.</summary>
    private static async Task<string?> DefaultResumeIdAsync(IDeploymentStore store, CancellationToken ct)
    {
        var (newest, _) = await Recovery.NewestChangedAsync(store, ct).ConfigureAwait(false);
        if (newest is not null && RollingResume.IsBudgetStop(newest)) return newest.Id;
        return (await store.FindInterruptedAsync(ct).ConfigureAwait(false)).FirstOrDefault()?.Id;
    }

    private static async Task<string?> LastSucceededVersionAsync(IDeploymentStore store, CancellationToken ct) =>
        (await store.ListAsync(new HistoryQuery { Last = 1, Outcomes = new[] { DeploymentOutcome.Succeeded } }, ct).ConfigureAwait(false))
            .FirstOrDefault()?.Version;

    /// <summary>Blue-green and canary deploy to the slot without traffic; a hotfix goes to the live slot.</summary>
    private static async Task<(DeploymentTarget? Target, DeploymentTarget? Previous)> ChooseSlotsAsync(ConfigModel config,
        DeploymentStrategy strategy, ITrafficRouter? router, IOutputSink sink, CancellationToken ct)
    {
        var slots = config.Deployment.Slots;
        // Kubernetes: the colours come from the Service's selector (KubernetesPlans.PrepareAsync).
        if (strategy == DeploymentStrategy.Rolling || config.Deployment.Kubernetes is not null) return (null, null);
        if (strategy == DeploymentStrategy.Hotfix)
        {
            if (slots.Count == 0) return (null, null);
            var live = router is null ? null : TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(ct).ConfigureAwait(false), slots);
            return (Slot(config, live) ?? slots[0], null);
        }
        if (slots.Count != 2)
            throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                $"{strategy} needs two deployment.slots (blue and green) in {config.FilePath}", config.FilePath);
        if (router is null)
            throw new DeployOpsException(ErrorIds.TrafficNotConfigured, ErrorKind.InvalidOperation,
                $"{strategy} moves traffic, but {config.FilePath} has no deployment.traffic section", config.FilePath);
        var active = Slot(config, TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(ct).ConfigureAwait(false), slots));
        var target = slots.First(s => s != active);
        // A slot the router names as live but where nothing answers (an empty host, a haproxy.cfg that starts with blue
        // enabled) has nothing to keep serving or to switch back to: this is the first deployment, as with no router state.
        if (active is not null && !await ServingCheck.RespondsAsync(active, config.Deployment.ReadinessPath, ct).ConfigureAwait(false))
        {
            sink.WriteVerbose($"{active.Name} takes traffic in {router.Target} but nothing answers at {active.BaseUrl}{config.Deployment.ReadinessPath}: " +
                $"first deployment, {target.Name} gets all traffic once verified");
            return (target, null);
        }
        return (target, active);
    }

    /// <summary>Approves what a running deployment waits on: an inconclusive canary gate or its sign-off (see <see cref="ApprovalCommands"/>).</summary>
    public static Task<DeploymentApproval?> ApproveAsync(ConfigModel config, string? id, string? reason, IOutputSink sink,
        CancellationToken cancellationToken) => ApprovalCommands.ApproveAsync(config, id, reason, sink, cancellationToken);

    /// <summary>Opens the deployment's log and starts its journal: how every deployment record begins (a baseline's too).</summary>
    internal static Task<DeploymentTracker> StartRecordAsync(IDeploymentStore store, DeploymentLog log, string logPath, string id,
        string version, DeploymentStrategy strategy, string? previousVersion, CancellationToken ct)
    {
        log.Open(logPath);
        return DeploymentTracker.StartAsync(store, new DeploymentStart
        {
            Id = id,
            Version = version,
            Strategy = strategy.ToString(),
            PreviousVersion = previousVersion,
            LogPath = logPath,
        }, ct);
    }
}
