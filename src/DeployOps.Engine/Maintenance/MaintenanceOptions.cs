namespace DeployOps.Engine.Maintenance;

/// <summary>What Enter-MaintenanceMode was asked to do.</summary>
internal sealed class EnterMaintenanceOptions
{
    /// <summary>Why; null keeps the reason of an existing window (and defaults to "maintenance" for a new one).</summary>
    public string? Reason { get; init; }
    /// <summary>The deployment that entered maintenance, when one did.</summary>
    public string? DeploymentId { get; init; }
    /// <summary>Recorded as ExpectedEnd (now + duration).</summary>
    public TimeSpan? ExpectedDuration { get; init; }
    /// <summary>Wait for in-flight work to drain; null = yes when a drain source is configured.</summary>
    public bool? Drain { get; init; }
    /// <summary>Overrides maintenance.drain.timeout.</summary>
    public TimeSpan? DrainTimeout { get; init; }
    /// <summary>Skip the drain wait.</summary>
    public bool Force { get; init; }
    /// <summary>Who asked, for the audit lines.</summary>
    public string Command { get; init; } = "Enter-MaintenanceMode";
    /// <summary>The clock the window's start and the drain wait run on (tests pass a fake one).</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>Replaces the configured drain source (tests script the readings).</summary>
    internal Drain.IDrainSource? DrainSource { get; init; }
}

/// <summary>What Exit-MaintenanceMode was asked to do.</summary>
internal sealed class ExitMaintenanceOptions
{
    public string? DeploymentId { get; init; }
    public string Command { get; init; } = "Exit-MaintenanceMode";
}
