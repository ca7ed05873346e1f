using DeployOps.Engine.Clients;
using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Migrations;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;
using Npgsql;

namespace DeployOps.Engine.Rollback;

/// <summary>
/// Undoes a deployment: blue-green switches traffic back to the old slot (still running), canary sets its weight to
/// 0 and stops the canary, rolling and hotfix run the deployment steps again with the previous version. Before acting
/// it collects evidence into the incident folder and backs up the current database; a deployment that moved the
/// migration head is only undone together with its database (-IncludeDatabase), when the migrations are declared
/// backward-compatible, or with -Force. Afterwards it verifies health and writes the incident report. The undone
/// deployment's record becomes RolledBack; the rollback's phases are journaled in its journal.
/// This is also the entry point of automatic rollback (Watch-DeploymentHealth -AutoRollback).
/// </summary>
internal static class RollbackEngine
{
    public const int ActivityId = 70;

    public static async Task<RollbackResult?> RollbackAsync(ConfigModel config, RollbackOptions options, IOutputSink sink,
        CancellationToken cancellationToken)
    {
        // Before anything is opened or planned (also under -WhatIf): the version becomes paths, tags and names.
        if (options.ToVersion is not null) Security.Identifiers.ValidateVersion(options.ToVersion, "-ToVersion");
        sink = ConfigBoundSink.For(sink, config);
        var clock = Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow;
        var redactor = config.Redactor;
        var audit = AuditLog.For(config);
        var subject = $"{config.Application}/{config.Environment}";
        await using var store = DeploymentStore.Open(config);
        var (record, chosenBecause) = await FindTargetAsync(store, options, sink, cancellationToken).ConfigureAwait(false);
        DeploymentBaseline.EnsureNotBaseline(record);
        var toVersion = Security.Identifiers.ValidateVersion(
            await VersionToRestoreAsync(store, record, options, cancellationToken).ConfigureAwait(false), "version to restore");
        var strategy = Enum.Parse<DeploymentStrategy>(record.Strategy, ignoreCase: true);
        var decisionPath = options.DecisionRecordPath ?? record.DecisionRecordPath;

        using var log = new DeploymentLog(null, redactor);
        var acting = new ConfirmedSink(sink);
        var router = config.Deployment.Traffic.Provider == TrafficProvider.None ? null : TrafficSwitcher.CreateRouter(config, log.Write);
        var run = new DeploymentRun(config, record.Id, strategy, toVersion, record.Version, null, new HealthEndpointCanaryGate(), true,
            acting, router, log, RollingPlan.RollbackFields(record));
        var redeployAlways = options.ToVersion is not null && options.ToVersion != record.PreviousVersion;
        var actions = RollbackPlan.Actions(run, record, redeployAlways);
        var verify = options.NoVerify ? null : RollbackPlan.Verify(run, record);

        var crossed = await MigrationsCrossedAsync(config, record, sink, cancellationToken).ConfigureAwait(false);
        var declared = crossed.Count > 0 && (config.Rollback.MigrationsBackwardCompatible || crossed.All(config.Rollback.CompatibleMigrations.Contains));
        var classes = MigrationClassLabels.Parse(record.MigrationClasses);
        var expandOnly = crossed.Count > 0 && MigrationClassLabels.AllExpand(classes, crossed);
        var compatible = declared || expandOnly;
        var refused = crossed.Count > 0 && !options.IncludeDatabase && !options.Force && !compatible;
        if (options.IncludeDatabase && record.BackupId is null)
            throw new DeployOpsException(ErrorIds.RollbackBackupMissing, ErrorKind.InvalidOperation,
                $"-IncludeDatabase: deployment {record.Id} has no pre-deployment backup to restore (it ran without one)", record.Id);
        var backupBefore = !options.NoBackup && config.Postgres is not null;
        await using var maintenance = await RollbackMaintenance.PlanAsync(config, record, strategy, sink, cancellationToken).ConfigureAwait(false);
        // Under maintenance nobody uses the application: the database goes back first, so the old code never runs on the new schema.
        var databaseFirst = maintenance is not null;

        var plan = new List<(string Name, string Action, string Target, IReadOnlyList<string> Details, bool Traffic)>
        {
            (RollbackPlan.Prefix + "collect", "Copy the configuration, deployment log and application logs into the incident folder",
                config.Rollback.IncidentDirectory, config.Rollback.LogPaths, false),
        };
        if (maintenance is not null)
            plan.Add((RollbackMaintenance.PhaseName, maintenance.Action, string.Join(", ", MaintenanceMode.Mechanisms(config).Select(m => m.Name)), maintenance.Details, false));
        if (backupBefore) plan.Add((RollbackPlan.Prefix + "backup", "Back up the current database", config.Postgres!.Display, Array.Empty<string>(), false));
        var databaseItem = (RollbackPlan.Prefix + "database", $"Restore the pre-deployment backup {record.BackupId}", config.Postgres?.Display ?? "",
            (IReadOnlyList<string>)crossed.Select(m => "undoes migration " + m).ToList(), false);
        if (options.IncludeDatabase && databaseFirst) plan.Add(databaseItem);
        plan.AddRange(actions.Select(a => (a.Name, a.Action, a.Target, a.Details, a.MovesTraffic)));
        if (options.IncludeDatabase && !databaseFirst) plan.Add(databaseItem);
        if (verify is not null) plan.Add((verify.Name, verify.Action, verify.Target, verify.Details, false));

        var what = $"Roll back deployment {record.Id} ({record.Strategy}, {chosenBecause}) from {record.Version} to {toVersion}: " +
            string.Join(" -> ", plan.Select(p => p.Name));
        var crossesMessage = $"Deployment {record.Id} ({record.Version}) applied migration(s) {string.Join(", ", crossed)} " +
            $"(head {Show(record.MigrationHeadBefore)} -> {Show(record.MigrationHeadAfter)}); {toVersion} may not run on that schema. " +
            MigrationClassLabels.Describe(classes, crossed) +
            "Roll back with -IncludeDatabase (restores the pre-deployment backup), declare them backward-compatible in rollback.compatibleMigrations, or -Force";
        if (!sink.ShouldProcess(subject, what))
        {
            for (var i = 0; i < plan.Count; i++)
                sink.WriteRecord(new DeploymentPlanItem(i + 1, plan[i].Name, redactor.Redact(plan[i].Action), plan[i].Target,
                    plan[i].Details.Select(redactor.Redact).ToList(), plan[i].Traffic));
            if (refused) sink.WriteWarning(redactor.Redact("This rollback would be refused: " + crossesMessage));
            if (!sink.IsDryRun) audit.Write(options.Command, redactor.Redact(what), subject, "Skipped", null, record.Id);
            return null;
        }
        if (refused)
        {
            var refusal = redactor.Redact(crossesMessage);
            sink.WriteError(new DeployOpsError(ErrorIds.RollbackCrossesMigration, ErrorKind.InvalidOperation, refusal, record.Id));
            audit.Write(options.Command, redactor.Redact(what), subject, "Refused",
                new Dictionary<string, string> { ["migrations"] = string.Join(",", crossed) }, record.Id);
            var refusedResult = new RollbackResult(record.Id, record.Application, record.Environment, record.Strategy, record.Version, toVersion,
                RollbackStatus.Failed, refusal, Array.Empty<string>(), crossed, record.BackupId, null, null, null, null, null, start, clock.Elapsed);
            sink.WriteRecord(refusedResult);
            return refusedResult;
        }
        if (crossed.Count > 0 && !options.IncludeDatabase)
        {
            var why = declared ? "declared backward-compatible" : expandOnly ? "all classified expand on a scratch copy before they ran" : "-Force";
            sink.WriteWarning(redactor.Redact($"Rolling back code only across migration(s) {string.Join(", ", crossed)} ({why})"));
            var details = new Dictionary<string, string> { ["migrations"] = string.Join(",", crossed) };
            if (record.MigrationClasses is { } labels) details["classification"] = labels;
            audit.Write(options.Command, "roll back code across migrations", subject, declared ? "Compatible" : expandOnly ? "Expand" : "Forced",
                details, record.Id);
        }

        var tracker = await DeploymentTracker.ReopenAsync(store, record.Id, cancellationToken).ConfigureAwait(false);
        await using (tracker.ConfigureAwait(false))
        {
            log.Open(record.LogPath ?? DeploymentLog.PathFor(config, record.Id));
            log.Write($"rollback of {record.Id} by {OperatorIdentity.Current}: {what}");
            audit.Write(options.Command, redactor.Redact(what), subject, "Started",
                new Dictionary<string, string>
                {
                    ["reason"] = redactor.Redact(options.Reason ?? "operator request"),
                    [DeploymentField.ChangeTicket] = redactor.Redact(options.ChangeTicket ?? ""),
                }, record.Id);
            var notifier = new Notifications.Notifier(config, sink);
            await notifier.NotifyAsync(Notifications.NotificationEvent.RollbackStarted,
                Notifications.NotificationValues.Rollback(record, toVersion, options, null, null), options.Command, record.Id,
                cancellationToken).ConfigureAwait(false);
            // The record names the evidence the rollback acted on (Get-Deployment's DecisionRecordPath).
            if (decisionPath is not null && decisionPath != record.DecisionRecordPath)
                await tracker.AnnotateAsync(DeploymentField.DecisionRecordPath, decisionPath, cancellationToken).ConfigureAwait(false);
            var state = new State(config, tracker, sink, log, plan.Count);
            var folder = IncidentFolder.Create(config, record.Id);

            await state.PhaseAsync(RollbackPlan.Prefix + "collect", "Collecting evidence", ct =>
            {
                folder.Collect(config, record, decisionPath);
                foreach (var problem in folder.Problems) sink.WriteWarning($"Incident evidence not collected: {problem}");
                return Task.FromResult<string?>($"{folder.Collected.Count} file(s) into {folder.Path}");
            }, cancellationToken).ConfigureAwait(false);

            string? preBackup = null;
            var ok = true;
            if (maintenance is not null)
                ok = await state.PhaseAsync(RollbackMaintenance.PhaseName, maintenance.Action,
                    ct => maintenance.EnterAsync(options.Command, acting, ct), cancellationToken).ConfigureAwait(false);
            if (ok && backupBefore)
            {
                ok = await state.PhaseAsync(RollbackPlan.Prefix + "backup", "Backing up the current database", async ct =>
                {
                    var backup = await new BackupManager(config).BackupAsync(new BackupOptions
                    {
                        Reason = $"before rollback of {record.Id} ({record.Version})",
                        Command = options.Command,
                        DeploymentId = record.Id,
                        Protect = record.BackupId is null ? Array.Empty<string>() : new[] { record.BackupId },
                    }, acting, ct).ConfigureAwait(false);
                    preBackup = backup?.Id;
                    return preBackup;
                }, cancellationToken).ConfigureAwait(false);
            }

            var done = new List<string>();
            var acted = new List<(string Phase, string? Detail)>();
            var status = RollbackStatus.Succeeded;
            string message;
            bool? verified = null;
            string? restored = null;
            if (!ok)
            {
                status = RollbackStatus.Failed;
                message = maintenance is { Held: false }
                    ? $"Nothing was rolled back: maintenance could not be entered ({state.LastError})."
                    : $"Nothing was rolled back: the backup of the current database failed ({state.LastError}). Use -NoBackup to roll back without it.";
            }
            else
            {
                async Task<bool> RestoreDatabaseAsync() =>
                    await state.PhaseAsync(RollbackPlan.Prefix + "database", $"Restoring backup {record.BackupId}", async ct =>
                    {
                        var result = await new BackupManager(config).RestoreAsync(new RestoreOptions
                        {
                            Id = record.BackupId,
                            NoSafetyBackup = preBackup is not null,
                            Command = options.Command,
                            DeploymentId = record.Id,
                        }, acting, ct).ConfigureAwait(false);
                        restored = result?.BackupId;
                        // The restore terminated every session: idle pooled ones of this process are dead and would fail the next SQL step.
                        PostgresDataSources.Shared.ClearPools();
                        done.Add(redactor.Redact($"Database restored from {record.BackupId} (migration head {Show(result?.MigrationHead)})"));
                        return $"restored {record.BackupId}";
                    }, cancellationToken).ConfigureAwait(false);

                if (options.IncludeDatabase && databaseFirst) ok = await RestoreDatabaseAsync().ConfigureAwait(false);
                foreach (var phase in ok ? actions : new List<PlannedPhase>())
                {
                    if (!await state.PhaseAsync(phase.Name, phase.Action, async ct =>
                        {
                            var detail = await phase.Run(ct).ConfigureAwait(false);
                            acted.Add((phase.Name, detail));
                            done.Add(redactor.Redact($"{phase.Action}: {detail ?? "done"}"));
                            return detail;
                        }, cancellationToken).ConfigureAwait(false))
                    {
                        ok = false;
                        break;
                    }
                }
                if (ok && options.IncludeDatabase && !databaseFirst) ok = await RestoreDatabaseAsync().ConfigureAwait(false);
                foreach (var (key, value) in run.Fields) await tracker.AnnotateAsync(key, value, CancellationToken.None).ConfigureAwait(false);
                if (!ok)
                {
                    status = RollbackStatus.Critical;
                    message = $"The rollback failed midway ({state.LastError}); done so far: {(done.Count == 0 ? "nothing" : string.Join("; ", done))}. Manual intervention needed.";
                }
                else if (verify is not null)
                {
                    var how = RollbackMethod.Describe(run, acted);
                    verified = await state.PhaseAsync(verify.Name, verify.Action, verify.Run, cancellationToken, ErrorIds.RollbackVerificationFailed).ConfigureAwait(false);
                    status = verified == true ? RollbackStatus.Succeeded : RollbackStatus.Failed;
                    message = verified == true
                        ? $"Rolled back {record.Version} -> {toVersion} ({how}) and verified healthy"
                        : $"Rolled back {record.Version} -> {toVersion} ({how}), but {toVersion} is not healthy ({state.LastError}). Manual intervention needed.";
                }
                else message = $"Rolled back {record.Version} -> {toVersion} ({RollbackMethod.Describe(run, acted)}; verification skipped: -NoVerify)";
            }
            if (maintenance is not null)
            {
                await maintenance.LeaveAsync(status == RollbackStatus.Succeeded, done.Count > 0).ConfigureAwait(false);
                if (maintenance.LeftOn)
                {
                    message += " Maintenance stays ON (users see the maintenance page): run Exit-MaintenanceMode once the application serves again.";
                    await tracker.AnnotateAsync(DeploymentField.MaintenanceLeftOn, "true", CancellationToken.None).ConfigureAwait(false);
                }
            }
            message = redactor.Redact(message);

            var outcome = !ok && done.Count == 0 && status == RollbackStatus.Failed ? record.Outcome : ok ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed;
            if (outcome is DeploymentOutcome.Running) outcome = DeploymentOutcome.Interrupted;
            var error = outcome == DeploymentOutcome.RolledBack ? $"rolled back to {toVersion}: {options.Reason ?? "operator request"}" : message;
            var finished = await tracker.FinishAsync(outcome, redactor.Redact(error), CancellationToken.None).ConfigureAwait(false);
            log.Write($"rollback of {record.Id}: {status}: {message}");

            var provisional = new RollbackResult(record.Id, record.Application, record.Environment, record.Strategy, record.Version, toVersion,
                status, message, done, crossed, record.BackupId, preBackup, restored, verified, folder.Path, null, start, clock.Elapsed)
            {
                MaintenanceLeftOn = maintenance?.LeftOn == true,
            };
            var decision = ReadDecision(config, decisionPath);
            var report = IncidentReport.Write(config, folder, record, provisional, tracker.Events, options.Reason, decisionPath, decision);
            var result = new RollbackResult(record.Id, record.Application, record.Environment, record.Strategy, record.Version, toVersion,
                status, message, done, crossed, record.BackupId, preBackup, restored, verified, folder.Path, report, start, clock.Elapsed)
            {
                MaintenanceLeftOn = maintenance?.LeftOn == true,
            };

            audit.Write(options.Command, redactor.Redact(what), subject, status.ToString(), new Dictionary<string, string>
            {
                ["from"] = record.Version,
                ["to"] = toVersion,
                ["exitCode"] = result.ExitCode.ToString(CultureInfo.InvariantCulture),
                ["incident"] = folder.Path,
                ["durationMs"] = ((long)result.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                ["outcome"] = finished.Outcome.ToString(),
            }, record.Id);
            await notifier.NotifyAsync(Notifications.NotificationEvent.RollbackFinished,
                Notifications.NotificationValues.Rollback(record, toVersion, options, message, report), options.Command, record.Id,
                CancellationToken.None).ConfigureAwait(false);
            sink.WriteProgress(new ProgressUpdate(ActivityId, $"Rolling back {record.Id}", "Done", 100, Completed: true));
            if (status != RollbackStatus.Succeeded)
                sink.WriteError(new DeployOpsError(status == RollbackStatus.Critical ? ErrorIds.RollbackFailed
                    : verified == false ? ErrorIds.RollbackVerificationFailed : ErrorIds.RollbackFailed,
                    ErrorKind.InvalidResult, message, result));
            sink.WriteRecord(result);
            return result;
        }
    }

    /// <summary>
    /// -DeploymentId, else the newest deployment that changed something (a later attempt that stopped in its
    /// pre-checks changed nothing and is passed over, with a warning naming it); it must not be rolled back already.
    /// Returns the record and why it was chosen (shown in the -WhatIf/-Confirm text).
    /// </summary>
    private static async Task<(DeploymentRecord Record, string Why)> FindTargetAsync(IDeploymentStore store, RollbackOptions options,
        IOutputSink sink, CancellationToken ct)
    {
        if (options.DeploymentId is { } id)
        {
            var named = await store.GetAsync(id, ct).ConfigureAwait(false)
                ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound, $"No deployment {id} in {store.Location}", id);
            // A manual traffic switch deployed nothing: there is no version to put back.
            if (named.Kind == DeploymentKind.TrafficSwitch)
                throw TrafficSwitchHistory.NotADeployment(named, ErrorIds.RollbackNothingToUndo, options.Command);
            return (named, "named by -DeploymentId");
        }
        var (newest, skipped) = await Recovery.NewestChangedAsync(store, ct).ConfigureAwait(false);
        if (newest is null)
            throw new DeployOpsException(ErrorIds.RollbackNothingToUndo, ErrorKind.ObjectNotFound,
                $"{store.Application}/{store.Environment} has no deployment to roll back ({store.Location})" +
                (skipped.Count == 0 ? "" : $"; {string.Join("; ", skipped.Select(Recovery.WhyUnchanged))}"), null);
        if (newest.Outcome == DeploymentOutcome.RolledBack)
            throw new DeployOpsException(ErrorIds.RollbackNothingToUndo, ErrorKind.InvalidOperation,
                $"The newest deployment that changed something, {newest.Id} ({newest.Version}), was already rolled back; name an older one with -DeploymentId", newest.Id);
        if (skipped.Count == 0) return (newest, $"the newest deployment, {newest.Outcome}");
        var why = $"the newest deployment that changed something ({newest.Outcome}); passed over: {string.Join("; ", skipped.Select(Recovery.WhyUnchanged))}";
        sink.WriteWarning($"Rolling back {newest.Id} ({newest.Version}), {why}");
        return (newest, why);
    }

    private static async Task<string> VersionToRestoreAsync(IDeploymentStore store, DeploymentRecord record, RollbackOptions options, CancellationToken ct)
    {
        if (options.ToVersion is { } wanted)
        {
            var known = (await store.ListAsync(new HistoryQuery { Outcomes = new[] { DeploymentOutcome.Succeeded, DeploymentOutcome.RolledBack } }, ct)
                .ConfigureAwait(false)).Any(r => r.Version == wanted && r.Id != record.Id);
            if (!known)
                throw new DeployOpsException(ErrorIds.RollbackNoPreviousVersion, ErrorKind.ObjectNotFound,
                    $"-ToVersion {wanted}: no successful deployment of that version in the history of {store.Application}/{store.Environment}", wanted);
            return wanted;
        }
        return record.PreviousVersion ?? throw new DeployOpsException(ErrorIds.RollbackNoPreviousVersion, ErrorKind.InvalidOperation,
            $"Deployment {record.Id} ({record.Version}) has no previous version to go back to (the first deployment?); use -ToVersion", record.Id);
    }

    /// <summary>The migrations the deployment applied: the ids after its head-before, when its head moved.</summary>
    private static async Task<IReadOnlyList<string>> MigrationsCrossedAsync(ConfigModel config, DeploymentRecord record, IOutputSink sink,
        CancellationToken ct)
    {
        if (config.Postgres is null || record.MigrationHeadBefore is not { } before) return Array.Empty<string>();
        try
        {
            var after = record.MigrationHeadAfter ?? await MigrationHead.ReadAsync(config, ct).ConfigureAwait(false) ?? "";
            if (after == before) return Array.Empty<string>();
            var ids = await MigrationHead.AppliedAfterAsync(config, before, ct).ConfigureAwait(false);
            return ids.Count > 0 ? ids : new[] { after };
        }
        catch (NpgsqlException ex)
        {
            var head = record.MigrationHeadAfter;
            sink.WriteWarning(config.Redactor.Redact($"Could not read the migrations of {config.Postgres.Display}: {ex.Message}"));
            return head is not null && head != before ? new[] { head } : Array.Empty<string>();
        }
    }

    private static string? ReadDecision(ConfigModel config, string? path)
    {
        try
        {
            return path is not null && File.Exists(path) ? config.Redactor.Redact(File.ReadAllText(path)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Show(string? head) => head is null ? "unknown" : head.Length == 0 ? "(none)" : head;

    /// <summary>Journals each phase, reports progress, turns a failure into an error plus false.</summary>
    private sealed class State(ConfigModel config, DeploymentTracker tracker, IOutputSink sink, DeploymentLog log, int total)
    {
        private int _index;
        public string? LastError { get; private set; }

        public async Task<bool> PhaseAsync(string name, string status, Func<CancellationToken, Task<string?>> work, CancellationToken ct,
            string? errorId = null)
        {
            sink.WriteProgress(new ProgressUpdate(ActivityId, $"Rolling back {tracker.Id}", $"{name}: {status}", _index++ * 100 / Math.Max(1, total)));
            ct.ThrowIfCancellationRequested();
            await tracker.PhaseStartedAsync(name, ct).ConfigureAwait(false);
            log.Write($"phase {name} started");
            try
            {
                var detail = await work(ct).ConfigureAwait(false);
                var redacted = detail is null ? null : config.Redactor.Redact(detail);
                await tracker.PhaseCompletedAsync(name, redacted, CancellationToken.None).ConfigureAwait(false);
                log.Write($"phase {name} completed{(redacted is null ? "" : ": " + redacted)}");
                return true;
            }
            catch (Exception ex) when (ex is DeployOpsException or IOException or UnauthorizedAccessException)
            {
                LastError = config.Redactor.Redact(ex.Message);
                await tracker.PhaseFailedAsync(name, LastError, CancellationToken.None).ConfigureAwait(false);
                log.Write($"phase {name} failed: {LastError}");
                var id = ex is DeployOpsException d ? d.ErrorId : ErrorIds.RollbackFailed;
                sink.WriteError(new DeployOpsError(errorId ?? id, ex is DeployOpsException k ? k.Kind : ErrorKind.NotSpecified,
                    $"Rollback phase {name} failed: {LastError}", name));
                return false;
            }
        }
    }

    /// <summary>The operator confirmed the rollback as a whole: its parts do not ask again.</summary>
    private sealed class ConfirmedSink(IOutputSink inner) : IOutputSink
    {
        public void WriteRecord(object record) => inner.WriteVerbose(record.ToString() ?? "");
        public void WriteProgress(ProgressUpdate progress) => inner.WriteProgress(progress);
        public void WriteVerbose(string message) => inner.WriteVerbose(message);
        public void WriteWarning(string message) => inner.WriteWarning(message);
        public void WriteError(DeployOpsError error) => inner.WriteError(error);
        public bool ShouldProcess(string target, string action) => true;
        public bool IsDryRun => false; // reached only after the real, confirmed rollback began
    }
}
