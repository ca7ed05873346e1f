using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>Options of Unlock-Deployment.</summary>
internal sealed class UnlockOptions
{
    /// <summary>Break the lock even though its holder looks alive (its deployment then stops at its next phase).</summary>
    public bool Force { get; init; }
}

/// <summary>What Get-DeploymentHistory, Get-Deployment and Unlock-Deployment do.</summary>
internal static partial class DeploymentStateCommands
{
    public static async Task<IReadOnlyList<DeploymentRecord>> GetHistoryAsync(ConfigModel config, HistoryQuery query,
        IOutputSink sink, CancellationToken ct)
    {
        sink = ConfigBoundSink.For(sink, config);
        await using var store = DeploymentStore.Open(config);
        IReadOnlyList<DeploymentRecord> records;
        // The history people read shows manual traffic switches beside the deployments.
        query = new HistoryQuery { Last = query.Last, Outcomes = query.Outcomes, ChangeTicket = query.ChangeTicket, IncludeTrafficSwitches = true };
        if (query.ChangeTicket is { } ticket)
        {
            // Last counts matching deployments: filter the whole history first.
            var all = await store.ListAsync(new HistoryQuery { Outcomes = query.Outcomes, IncludeTrafficSwitches = true }, ct).ConfigureAwait(false);
            var matching = all.Where(r => string.Equals(r.ChangeTicket, ticket, StringComparison.OrdinalIgnoreCase));
            records = (query.Last > 0 ? matching.Take(query.Last) : matching).ToList();
        }
        else records = await store.ListAsync(query, ct).ConfigureAwait(false);
        foreach (var record in records) sink.WriteRecord(record);
        return records;
    }

    /// <summary>One deployment by id; DeploymentNotFound when this application/environment has no such deployment.</summary>
    public static async Task<DeploymentRecord> GetDeploymentAsync(ConfigModel config, string id, IOutputSink sink, CancellationToken ct)
    {
        sink = ConfigBoundSink.For(sink, config);
        await using var store = DeploymentStore.Open(config);
        var record = await store.GetAsync(id, ct).ConfigureAwait(false)
            ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No deployment '{config.Redactor.Redact(id)}' of {config.Application}/{config.Environment} in {store.Location}.", id);
        sink.WriteRecord(record);
        return record;
    }

    public static async Task<DeploymentStatus> GetStatusAsync(ConfigModel config, IOutputSink sink, CancellationToken ct)
    {
        sink = ConfigBoundSink.For(sink, config);
        await using var store = DeploymentStore.Open(config);
        var lockInfo = await store.GetLockAsync(ct).ConfigureAwait(false);
        var newest = (await store.ListAsync(new HistoryQuery { Last = 1 }, ct).ConfigureAwait(false)).FirstOrDefault();
        var interrupted = await store.FindInterruptedAsync(ct).ConfigureAwait(false);
        DeploymentRecord? current = newest;
        DeploymentActivity activity;
        if (lockInfo is { IsStale: true }) activity = DeploymentActivity.StaleLock;
        else if (lockInfo is not null)
        {
            activity = DeploymentActivity.Running;
            if (lockInfo.DeploymentId != "unknown")
                current = await store.GetAsync(lockInfo.DeploymentId, ct).ConfigureAwait(false) ?? newest;
        }
        else activity = newest?.Outcome == DeploymentOutcome.Interrupted ? DeploymentActivity.Interrupted : DeploymentActivity.Idle;
        if (lockInfo is { IsStale: true })
            sink.WriteWarning($"The deployment lock of {config.Application}/{config.Environment} is stale ({lockInfo.StaleReason}); " +
                "break it with Unlock-Deployment (no -Force needed: its holder is gone).");
        var status = new DeploymentStatus(config.Application, config.Environment, store.Location, activity, lockInfo, current, interrupted);
        sink.WriteRecord(status);
        return status;
    }

    /// <summary>Breaks the lock (a stale one, or any with Force) after ShouldProcess; every attempt is audited.</summary>
    public static async Task<LockInfo?> UnlockAsync(ConfigModel config, UnlockOptions options, IOutputSink sink, CancellationToken ct)
    {
        sink = ConfigBoundSink.For(sink, config);
        const string Command = "Unlock-Deployment";
        var audit = AuditLog.For(config);
        var target = $"deployment lock of {config.Application}/{config.Environment}";
        await using var store = DeploymentStore.Open(config);
        var held = await store.GetLockAsync(ct).ConfigureAwait(false);
        if (held is null)
        {
            // Every attempt is audited, the ones that found nothing to break too (who tried to unlock, and when).
            if (!sink.IsDryRun)
                audit.Write(Command, "break lock", target, ErrorIds.LockNotHeld,
                    new Dictionary<string, string> { ["store"] = store.Location, ["force"] = options.Force ? "true" : "false" }, null);
            sink.WriteError(new DeployOpsError(ErrorIds.LockNotHeld, ErrorKind.ObjectNotFound,
                $"No deployment holds the {target} ({store.Location}); nothing to unlock.", target));
            return null;
        }
        var details = Details(held, options);
        if (!held.IsStale && !options.Force)
        {
            audit.Write(Command, "break lock", target, "Refused", details, held.DeploymentId);
            throw new DeployOpsException(ErrorIds.LockNotStale, ErrorKind.ResourceBusy,
                $"The {target} is held by a live {held.Describe()}; it is not stale. Use -Force to break it anyway " +
                "(that deployment then stops at its next phase).", held);
        }
        if (!sink.ShouldProcess($"{target} held by {held.Describe()}", "Break the lock"))
        {
            if (!sink.IsDryRun) audit.Write(Command, "break lock", target, "Skipped", details, held.DeploymentId);
            return null;
        }
        LockInfo broken;
        try
        {
            broken = await store.BreakLockAsync(options.Force, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex)
        {
            audit.Write(Command, "break lock", target, "Failed", new Dictionary<string, string>(details) { ["error"] = ex.Message }, held.DeploymentId);
            throw;
        }
        audit.Write(Command, "break lock", target, "Succeeded", Details(broken, options), broken.DeploymentId);
        await new Notifications.Notifier(config, sink).NotifyAsync(Notifications.NotificationEvent.LockBroken,
            new Dictionary<string, string?> { ["message"] = $"It was held by {broken.Describe()}.", ["deploymentId"] = broken.DeploymentId },
            Command, broken.DeploymentId, CancellationToken.None).ConfigureAwait(false);
        if (!broken.IsStale)
            sink.WriteWarning($"Deployment {broken.DeploymentId} may still be running (pid {broken.ProcessId} on {broken.Host}); " +
                "it stops with LockNotHeld at its next phase. Check its state with Get-Deployment.");
        sink.WriteRecord(broken);
        return broken;
    }

    private static Dictionary<string, string> Details(LockInfo held, UnlockOptions options) => new()
    {
        ["deploymentId"] = held.DeploymentId,
        ["owner"] = held.Owner,
        ["host"] = held.Host,
        ["pid"] = held.ProcessId.ToString(CultureInfo.InvariantCulture),
        ["acquired"] = held.Acquired.ToString("O", CultureInfo.InvariantCulture),
        ["stale"] = held.StaleReason ?? "no",
        ["force"] = options.Force ? "true" : "false",
    };
}
