using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Notifications;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Traffic;

/// <summary>What Switch-DeploymentTraffic was asked to do.</summary>
internal sealed class SwitchTrafficOptions
{
    /// <summary>The slot that gets all traffic (blue or green, as named in deployment.slots).</summary>
    public required string To { get; init; }
    public string Command { get; init; } = "Switch-DeploymentTraffic";
    /// <summary>Take over an upstream file DeployOps did not write, even when it cannot be read with certainty.</summary>
    public bool Adopt { get; init; }
    /// <summary>Why (-Reason): audited, notified, on the TrafficChange; required by <c>changeControl.requireReason</c>.</summary>
    public string? Reason { get; init; }
    /// <summary>The change ticket (-ChangeTicket); required by <c>changeControl.requireChangeTicket</c>.</summary>
    public string? ChangeTicket { get; init; }
}

/// <summary>Moves all traffic to one slot on an operator's request (the instant switch-back of blue-green).</summary>
internal static class TrafficSwitcher
{
    public static ITrafficRouter CreateRouter(ConfigModel config, Action<string>? log = null, bool adopt = false) =>
        config.Deployment.Traffic.Provider switch
        {
            TrafficProvider.Nginx => new NginxRouter(config.Deployment.Traffic, config.Redactor, log,
                config.Deployment.Slots, config.Deployment.Instances) { Adopt = adopt },
            TrafficProvider.Haproxy => new Haproxy.HaproxyRouter(config.Deployment.Traffic, config.Redactor, log),
            _ => throw new DeployOpsException(ErrorIds.TrafficNotConfigured, ErrorKind.InvalidOperation,
                $"{config.FilePath} has no deployment.traffic section: DeployOps does not manage this application's traffic", config.FilePath),
        };

    /// <summary>All traffic to <paramref name="to"/>; every other slot stays in the upstream marked down.</summary>
    /// <remarks>A slot on a set of hosts is one backend per member (<c>blue.web1</c>, <c>blue.web2</c>), all in or all out.</remarks>
    public static IReadOnlyList<TrafficBackend> AllTo(IReadOnlyList<DeploymentTarget> slots, string to) =>
        slots.SelectMany(s => s.Places.Select(p => new TrafficBackend(p.Name, p.Host, p.Port,
            string.Equals(s.Name, to, StringComparison.OrdinalIgnoreCase) ? 100 : 0))).ToList();

    /// <summary>The backend currently taking all (or most) traffic, per the router's file.</summary>
    public static string? ActiveSlot(IReadOnlyList<TrafficBackend>? current) =>
        current?.Where(b => b.Weight > 0).OrderByDescending(b => b.Weight).FirstOrDefault()?.Name;

    /// <summary>The slot currently taking all (or most) traffic: a member's backend (<c>blue.web1</c>) counts for its slot.</summary>
    public static string? ActiveSlot(IReadOnlyList<TrafficBackend>? current, IReadOnlyList<DeploymentTarget> slots)
    {
        var name = ActiveSlot(current);
        return slots.FirstOrDefault(s => s.Members.Any(m => m.Name == name))?.Name ?? name;
    }

    public static async Task<TrafficChange?> SwitchAsync(ConfigModel config, SwitchTrafficOptions options, IOutputSink sink,
        CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        // Before anything is read or asked (also under -WhatIf), as Invoke-Deployment does.
        config.ChangeControl.Ensure(config, options.Command, options.Reason, options.ChangeTicket);
        var change = ChangeRecord(config, options);
        var slots = config.Deployment.Slots;
        var slot = slots.FirstOrDefault(s => string.Equals(s.Name, options.To, StringComparison.OrdinalIgnoreCase))
            ?? throw new DeployOpsException(ErrorIds.SlotNotFound, ErrorKind.ObjectNotFound,
                $"No slot '{options.To}' in deployment.slots of {config.FilePath} (slots: {string.Join(", ", slots.Select(s => s.Name))})", options.To);
        var router = CreateRouter(config, sink.WriteVerbose, options.Adopt);
        var audit = AuditLog.For(config);
        var (current, adopting) = await ReadForSwitchAsync(router, options.Adopt, sink, cancellationToken).ConfigureAwait(false);
        var wanted = AllTo(slots, slot.Name);
        var action = adopting
            ? $"Adopt the hand-written {router.Target}: DeployOps writes it from now on, all traffic to {slot}"
            : $"Switch all traffic from {ActiveSlot(current, slots) ?? "(none)"} to {slot}";
        if (!sink.ShouldProcess(router.Target, action))
        {
            if (!sink.IsDryRun) audit.Write(options.Command, action, router.Target, "Skipped", change);
            return null;
        }
        // The deployment lock keeps an operator's switch from racing a running deployment (DeploymentLocked); the
        // switch is a history entry of its own (Get-DeploymentHistory -ChangeTicket finds it).
        await using var store = DeploymentStore.Open(config);
        var record = await TrafficSwitchHistory.StartAsync(store, ActiveSlot(current, slots), slot.Name, change, cancellationToken)
            .ConfigureAwait(false);
        await using var _ = record.ConfigureAwait(false);
        TrafficChange applied;
        try
        {
            applied = await router.ApplyAsync(wanted, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployOpsException ex)
        {
            audit.Write(options.Command, action, router.Target, "Failed", new Dictionary<string, string>(change) { ["error"] = ex.Message }, record.Id);
            await record.FinishAsync(DeploymentOutcome.Failed, config.Redactor.Redact(ex.Message), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        applied.Reason = change.GetValueOrDefault(DeploymentField.Reason);
        applied.ChangeTicket = change.GetValueOrDefault(DeploymentField.ChangeTicket);
        audit.Write(options.Command, action, router.Target, "Succeeded", new Dictionary<string, string>(change)
        {
            ["from"] = applied.From,
            ["to"] = applied.To,
            ["probes"] = applied.Probes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["durationMs"] = ((long)applied.Duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["adopted"] = adopting ? "true" : "false",
        }, record.Id);
        // Not cancellable: the traffic has moved, so the history must say so.
        await record.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None).ConfigureAwait(false);
        await new Notifier(config, sink).NotifyAsync(NotificationEvent.TrafficSwitched, new Dictionary<string, string?>
        {
            ["message"] = $"{ActiveSlot(current) ?? "(none)"} → {slot.Name}: {applied.To} (confirmed by {applied.Probes} probes)",
            ["reason"] = applied.Reason,
            ["ticket"] = applied.ChangeTicket,
        }, options.Command, null, CancellationToken.None).ConfigureAwait(false);
        sink.WriteRecord(applied);
        return applied;
    }

    /// <summary>-Reason and -ChangeTicket as audit details (redacted; only those given).</summary>
    private static Dictionary<string, string> ChangeRecord(ConfigModel config, SwitchTrafficOptions options)
    {
        var change = new Dictionary<string, string>();
        if (!string.IsNullOrWhiteSpace(options.Reason)) change[DeploymentField.Reason] = config.Redactor.Redact(options.Reason);
        if (!string.IsNullOrWhiteSpace(options.ChangeTicket)) change[DeploymentField.ChangeTicket] = config.Redactor.Redact(options.ChangeTicket);
        return change;
    }

    /// <summary>
    /// The current assignment. With -Adopt a file DeployOps did not write is taken over even when it cannot be read
    /// (adopting = true); without it such a file stops the switch with TrafficStateUnknown before anything changes.
    /// </summary>
    private static async Task<(IReadOnlyList<TrafficBackend>? Current, bool Adopting)> ReadForSwitchAsync(ITrafficRouter router, bool adopt,
        IOutputSink sink, CancellationToken cancellationToken)
    {
        try
        {
            return (await router.ReadCurrentAsync(cancellationToken).ConfigureAwait(false), false);
        }
        catch (DeployOpsException ex) when (adopt && ex.ErrorId == ErrorIds.TrafficStateUnknown)
        {
            sink.WriteVerbose($"adopting: {ex.Message}");
            return (null, true);
        }
    }
}
