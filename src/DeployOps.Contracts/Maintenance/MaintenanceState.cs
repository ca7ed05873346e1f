namespace DeployOps.Engine.Maintenance;

/// <summary>Whether the application is in maintenance, all mechanisms considered.</summary>
public enum MaintenanceStatus
{
    /// <summary>Every configured mechanism is off.</summary>
    Off,
    /// <summary>Every configured mechanism is on.</summary>
    On,
    /// <summary>Some mechanisms are on and others off (see <see cref="MaintenanceState.Disagreement"/>).</summary>
    Inconsistent,
    /// <summary>The readable mechanisms agree but at least one could not be read.</summary>
    Unknown,
}

/// <summary>The state of one maintenance mechanism.</summary>
public enum MechanismStatus
{
    /// <summary>The mechanism does not show maintenance (no flag file, no Redis key, nginx serves the
    /// application).</summary>
    Off,
    /// <summary>The mechanism shows maintenance to users.</summary>
    On,
    /// <summary>Could not be read (Redis unreachable, file unreadable).</summary>
    Unknown,
}

/// <summary>The state of one mechanism (flag file, Redis key or nginx page).</summary>
public sealed class MechanismState
{
    /// <summary>Creates a mechanism's state.</summary>
    public MechanismState(string name, string target, MechanismStatus status, string detail)
    {
        Name = name;
        Target = target;
        Status = status;
        Detail = detail;
    }

    /// <summary>FlagFile, Redis or Nginx.</summary>
    public string Name { get; }
    /// <summary>What the mechanism switches: the flag file's path, the Redis key and server, or nginx's include
    /// file.</summary>
    public string Target { get; }
    /// <summary>On, Off, or Unknown when it could not be read.</summary>
    public MechanismStatus Status { get; }
    /// <summary>What was read, or why nothing could be (secrets masked).</summary>
    public string Detail { get; }

    /// <summary>"name: status (detail)".</summary>
    public override string ToString() => $"{Name}: {Status} ({Detail})";
}

/// <summary>
/// Whether the application is in maintenance, according to each configured mechanism, and whether they agree;
/// with who switched it on, when, why and until when (from the first mechanism that recorded it).
/// </summary>
public sealed class MaintenanceState
{
    internal MaintenanceState(string application, string environment, IReadOnlyList<MechanismState> mechanisms,
        MaintenanceWindowFacts? window, DrainResult? drain)
    {
        Application = application;
        Environment = environment;
        Mechanisms = mechanisms;
        Drain = drain;
        var on = mechanisms.Where(m => m.Status == MechanismStatus.On).ToList();
        var off = mechanisms.Where(m => m.Status == MechanismStatus.Off).ToList();
        var unknown = mechanisms.Where(m => m.Status == MechanismStatus.Unknown).ToList();
        Status = on.Count > 0 && off.Count > 0 ? MaintenanceStatus.Inconsistent
            : unknown.Count > 0 ? MaintenanceStatus.Unknown
            : on.Count > 0 ? MaintenanceStatus.On
            : MaintenanceStatus.Off;
        IsOn = on.Count > 0;
        if (Status == MaintenanceStatus.Inconsistent)
            Disagreement = $"{Names(on)} {(on.Count == 1 ? "is" : "are")} on but {Names(off)} {(off.Count == 1 ? "is" : "are")} off: " +
                string.Join("; ", off.Select(m => $"{m.Name} {m.Detail}"));
        else if (Status == MaintenanceStatus.Unknown)
            Disagreement = "cannot read " + string.Join("; ", unknown.Select(m => $"{m.Name}: {m.Detail}"));
        if (window is not null && IsOn)
        {
            Since = window.Since;
            Reason = window.Reason;
            By = window.By;
            Host = window.Host;
            DeploymentId = window.DeploymentId;
            ExpectedEnd = window.ExpectedEnd;
        }
    }

    /// <summary>The application name (application: in deployops.yaml).</summary>
    public string Application { get; }
    /// <summary>The environment name (environment: in deployops.yaml).</summary>
    public string Environment { get; }
    /// <summary>True when at least one mechanism is on (users may be affected).</summary>
    public bool IsOn { get; }
    /// <summary>On, Off, Inconsistent (the mechanisms disagree) or Unknown (one could not be read).</summary>
    public MaintenanceStatus Status { get; }
    /// <summary>Each configured mechanism's own state.</summary>
    public IReadOnlyList<MechanismState> Mechanisms { get; }
    /// <summary>Which mechanisms disagree (Inconsistent) or could not be read (Unknown); null otherwise.</summary>
    public string? Disagreement { get; }
    /// <summary>When maintenance was switched on; null when it is off or nobody recorded it.</summary>
    public DateTimeOffset? Since { get; }
    /// <summary>Why maintenance was switched on (-Reason); null when it is off or nobody recorded it.</summary>
    public string? Reason { get; }
    /// <summary>The user who switched maintenance on; null when it is off or nobody recorded it.</summary>
    public string? By { get; }
    /// <summary>The machine maintenance was switched on from; null when it is off or nobody recorded it.</summary>
    public string? Host { get; }
    /// <summary>The deployment that switched maintenance on; null when an operator did, or it is off.</summary>
    public string? DeploymentId { get; }
    /// <summary>When maintenance is expected to end (-ExpectedDuration); null when not given or off.</summary>
    public DateTimeOffset? ExpectedEnd { get; }
    /// <summary>How draining ended, when this state comes from Enter-MaintenanceMode.</summary>
    public DrainResult? Drain { get; }

    /// <summary>The state of the mechanism with this name (FlagFile, Redis, Nginx; case-insensitive), or null when it
    /// is not configured.</summary>
    public MechanismState? this[string name] => Mechanisms.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string Names(IEnumerable<MechanismState> ms) => string.Join(" and ", ms.Select(m => m.Name));

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"application/environment: status (disagreement)".</summary>
    public override string ToString() => $"{Application}/{Environment}: {Status}" + (Disagreement is null ? "" : $" ({Disagreement})");
}

/// <summary>Who opened the maintenance window, when, why and until when (already redacted by the engine).</summary>
internal sealed record MaintenanceWindowFacts(DateTimeOffset Since, string Reason, string By, string Host, string? DeploymentId,
    DateTimeOffset? ExpectedEnd);
