namespace DeployOps.Engine.Maintenance;

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

public enum MechanismStatus
{
    Off,
    On,
    /// <summary>Could not be read (Redis unreachable, file unreadable).</summary>
    Unknown,
}

/// <summary>The state of one mechanism (flag file, Redis key or nginx page).</summary>
public sealed class MechanismState
{
    public MechanismState(string name, string target, MechanismStatus status, string detail)
    {
        Name = name;
        Target = target;
        Status = status;
        Detail = detail;
    }

    /// <summary>FlagFile, Redis or Nginx.</summary>
    public string Name { get; }
    public string Target { get; }
    public MechanismStatus Status { get; }
    public string Detail { get; }

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

    public string Application { get; }
    public string Environment { get; }
    /// <summary>True when at least one mechanism is on (users may be affected).</summary>
    public bool IsOn { get; }
    public MaintenanceStatus Status { get; }
    public IReadOnlyList<MechanismState> Mechanisms { get; }
    /// <summary>Which mechanisms disagree (Inconsistent) or could not be read (Unknown); null otherwise.</summary>
    public string? Disagreement { get; }
    public DateTimeOffset? Since { get; }
    public string? Reason { get; }
    public string? By { get; }
    public string? Host { get; }
    public string? DeploymentId { get; }
    public DateTimeOffset? ExpectedEnd { get; }
    /// <summary>How draining ended, when this state comes from Enter-MaintenanceMode.</summary>
    public DrainResult? Drain { get; }

    public MechanismState? this[string name] => Mechanisms.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string Names(IEnumerable<MechanismState> ms) => string.Join(" and ", ms.Select(m => m.Name));

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    public override string ToString() => $"{Application}/{Environment}: {Status}" + (Disagreement is null ? "" : $" ({Disagreement})");
}

/// <summary>Who opened the maintenance window, when, why and until when (already redacted by the engine).</summary>
internal sealed record MaintenanceWindowFacts(DateTimeOffset Since, string Reason, string By, string Host, string? DeploymentId,
    DateTimeOffset? ExpectedEnd);
