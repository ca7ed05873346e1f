using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;
using Npgsql;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Invoke-Deployment -RecordOnly: adopts what runs now as a succeeded deployment flagged baseline, changing nothing.
/// It reads the live slot (through the router) or every instance (each must answer its readiness path), the image
/// their containers run (deployment.docker) and the migration head, and journals them like a deployment would. The
/// first real deployment then has a previous version to roll back to: the slot to switch back to, the instances to
/// redeploy, the image id to start again and the head the database restore must come back to.
/// </summary>
internal static class DeploymentBaseline
{
    public const string PhaseName = "baseline";

    /// <summary>Records the baseline; returns the record, or null under -WhatIf (the observations as one plan item).</summary>
    public static async Task<DeploymentRecord?> RecordAsync(ConfigModel config, DeploymentOptions options, IOutputSink sink,
        CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        Security.Identifiers.ValidateVersion(options.Version, "-Version");
        var strategy = options.Strategy ?? config.Deployment.Strategy;
        var subject = $"{config.Application}/{config.Environment}";
        await using var store = DeploymentStore.Open(config);
        if ((await store.FindInterruptedAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault() is { } interrupted)
            throw Unreadable(config, $"deployment {interrupted.Id} ({interrupted.Version}) was interrupted half-way, so no single version runs; " +
                $"finish it with Resume-Deployment -Id {interrupted.Id} or undo it with Invoke-Rollback -DeploymentId {interrupted.Id} first", interrupted.Id);

        using var log = new DeploymentLog(null, config.Redactor);
        var observed = await ObserveAsync(config, strategy, options.Version, sink, log, cancellationToken).ConfigureAwait(false);
        var what = $"Record {options.Version} as the running baseline of {subject} (changes nothing): {string.Join("; ", observed.Details)}";
        var audit = AuditLog.For(config);
        if (!sink.ShouldProcess(subject, what))
        {
            sink.WriteRecord(new DeploymentPlanItem(1, PhaseName, $"Record {options.Version} as the running baseline (changes nothing)", subject,
                observed.Details.Select(config.Redactor.Redact).ToList(), false));
            if (!sink.IsDryRun) audit.Write(options.Command, config.Redactor.Redact(what), subject, "Skipped");
            return null;
        }

        var id = DeploymentIds.New();
        var previous = (await store.ListAsync(new HistoryQuery { Last = 1, Outcomes = new[] { DeploymentOutcome.Succeeded } }, cancellationToken)
            .ConfigureAwait(false)).FirstOrDefault()?.Version;
        var tracker = await DeploymentEngine.StartRecordAsync(store, log, DeploymentLog.PathFor(config, id), id, options.Version, strategy,
            previous, cancellationToken).ConfigureAwait(false);
        await using (tracker.ConfigureAwait(false))
        {
            audit.Write(options.Command, config.Redactor.Redact(what), subject, "Started", null, id);
            await tracker.AnnotateAsync(DeploymentField.Baseline, "true", cancellationToken).ConfigureAwait(false);
            foreach (var (field, value) in observed.Fields) await tracker.AnnotateAsync(field, value, cancellationToken).ConfigureAwait(false);
            await tracker.PhaseStartedAsync(PhaseName, cancellationToken).ConfigureAwait(false);
            foreach (var detail in observed.Details) log.Write($"baseline {id}: {detail}");
            await tracker.PhaseCompletedAsync(PhaseName, config.Redactor.Redact(string.Join("; ", observed.Details)), cancellationToken).ConfigureAwait(false);
            var record = await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
            audit.Write(options.Command, config.Redactor.Redact(what), subject, "Succeeded", new Dictionary<string, string>(observed.Fields), id);
            sink.WriteRecord(record);
            return record;
        }
    }

    /// <summary>A baseline changed nothing, so Invoke-Rollback has nothing to undo in it.</summary>
    public static void EnsureNotBaseline(DeploymentRecord record)
    {
        if (record.IsBaseline)
            throw new DeployOpsException(ErrorIds.RollbackNothingToUndo, ErrorKind.InvalidOperation,
                $"Deployment {record.Id} ({record.Version}) is the baseline recorded by Invoke-Deployment -RecordOnly: it changed nothing, " +
                "so there is nothing to undo. Deploy a version first; that deployment can be rolled back to the baseline.", record.Id);
    }

    internal static DeployOpsException Unreadable(ConfigModel config, string why, string target, Exception? inner = null) =>
        new(ErrorIds.BaselineUnreadable, ErrorKind.ResourceUnavailable,
            config.Redactor.Redact($"Cannot record the running state as a baseline: {why}. Nothing was recorded."), target, inner);

    private sealed record Observation(IReadOnlyDictionary<string, string> Fields, IReadOnlyList<string> Details);

    private static async Task<Observation> ObserveAsync(ConfigModel config, DeploymentStrategy strategy, string version, IOutputSink sink,
        DeploymentLog log, CancellationToken ct)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var details = new List<string>();
        var router = config.Deployment.Traffic.Provider == TrafficProvider.None ? null : TrafficSwitcher.CreateRouter(config, log.Write);
        var targets = await TargetsAsync(config, strategy, router, ct).ConfigureAwait(false);
        if (targets.Count == 1 && targets[0].IsSlot)
        {
            // The slot this version runs on: the first deployment's previous slot, the one a rollback switches back to.
            fields[DeploymentEngine.TargetSlotField] = targets[0].Target.Name;
            fields[DeploymentField.ActiveSlot] = targets[0].Target.Name;
        }
        // Containers first: a missing one is named at once instead of after the readiness timeout.
        if (config.Deployment.Docker is not null)
        {
            var (imageId, reference, containers) = await Docker.DockerDeployments.LiveImageAsync(config, targets, version, ct).ConfigureAwait(false);
            fields[DeploymentField.ImageId] = imageId;
            fields[DeploymentField.ImageReference] = reference;
            details.AddRange(containers);
        }
        // The existing readiness poll (deployment.readiness), so "running" means what it means to a deployment.
        var run = new DeploymentRun(config, PhaseName, strategy, version, null, null, new HealthEndpointCanaryGate(), true, sink, router, log,
            new Dictionary<string, string>());
        foreach (var (target, isSlot) in targets)
        {
            try
            {
                await run.WaitReadyAsync(target, ct).ConfigureAwait(false);
            }
            catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.DeploymentVerificationFailed)
            {
                throw Unreadable(config, $"{(isSlot ? "the live slot" : "instance")} {target} does not answer: {ex.Message}", target.Name, ex);
            }
            details.Add($"{(isSlot ? "live slot" : "instance")} {target} answers {config.Deployment.ReadinessPath}");
        }
        if (config.Postgres is not null)
        {
            string? head;
            try
            {
                head = await MigrationHead.ReadAsync(config, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                throw Unreadable(config, $"the migration head of {config.Postgres.Display} could not be read ({ex.Message})", config.Postgres.Display, ex);
            }
            // Before and after are the same: the baseline ran no migration.
            fields[DeploymentField.MigrationHeadBefore] = head ?? "";
            fields[DeploymentField.MigrationHeadAfter] = head ?? "";
            details.Add($"migration head of {config.Postgres.Display}: {(head is null ? "(no migrations table)" : head.Length == 0 ? "(none)" : head)}");
        }
        return new Observation(fields, details);
    }

    /// <summary>The live slot (read from the router, as a deployment chooses it) or every instance.</summary>
    private static async Task<IReadOnlyList<(DeploymentTarget Target, bool IsSlot)>> TargetsAsync(ConfigModel config, DeploymentStrategy strategy,
        ITrafficRouter? router, CancellationToken ct)
    {
        var slots = config.Deployment.Slots;
        if (strategy != DeploymentStrategy.Rolling && slots.Count > 0)
        {
            if (router is null)
            {
                if (strategy == DeploymentStrategy.Hotfix) return new[] { (slots[0], true) };
                throw Unreadable(config, $"{config.FilePath} has no deployment.traffic section, so which slot is live cannot be read", config.FilePath);
            }
            string? live;
            try
            {
                live = TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(ct).ConfigureAwait(false), slots);
            }
            catch (DeployOpsException ex)
            {
                throw Unreadable(config, $"the traffic router {router.Target} could not be read ({ex.Message})", router.Target, ex);
            }
            var slot = slots.FirstOrDefault(s => s.Name == live)
                ?? throw Unreadable(config, $"{router.Target} sends all traffic to no configured slot ({live ?? "none"})", router.Target);
            return new[] { (slot, true) };
        }
        if (config.Deployment.Instances.Count == 0)
            throw Unreadable(config, $"{config.FilePath} has no deployment.slots or deployment.instances to read", config.FilePath);
        return config.Deployment.Instances.Select(i => (i, false)).ToList();
    }
}
