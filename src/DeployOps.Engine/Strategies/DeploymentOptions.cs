namespace DeployOps.Engine.Strategies;

/// <summary>What Invoke-Deployment was asked to do.</summary>
internal sealed class DeploymentOptions
{
    public required string Version { get; init; }
    /// <summary>Null: the configuration's <c>deployment.strategy</c>.</summary>
    public DeploymentStrategy? Strategy { get; init; }
    public bool SkipPreChecks { get; init; }
    /// <summary>-Target: a hotfix only on the instances or live-slot members on these hosts (names or labels); empty: all.</summary>
    public IReadOnlyList<string> Targets { get; init; } = Array.Empty<string>();
    /// <summary>Passed to the hooks: the backup hook skips its database backup.</summary>
    public bool NoBackup { get; init; }
    /// <summary>Deploy although an interrupted deployment is not recovered (InterruptedDeploymentPending otherwise); audited.</summary>
    public bool Force { get; init; }
    /// <summary>Backup and maintenance mode, wired by the host; null runs without them.</summary>
    public IDeploymentHooks? Hooks { get; init; }
    /// <summary>The canary gate; null uses <see cref="HealthEndpointCanaryGate"/>.</summary>
    public ICanaryGate? CanaryGate { get; init; }
    public string Command { get; init; } = "Invoke-Deployment";
    /// <summary>Why (-Reason): journaled, audited, in the notifications; required by <c>changeControl.requireReason</c>.</summary>
    public string? Reason { get; init; }
    /// <summary>The change ticket (-ChangeTicket); required by <c>changeControl.requireChangeTicket</c>.</summary>
    public string? ChangeTicket { get; init; }
    /// <summary>Deploy inside a freeze window (needs <see cref="Reason"/>; with freeze.approvers, <see cref="ApprovedBy"/>).</summary>
    public bool OverrideFreeze { get; init; }
    public string? ApprovedBy { get; init; }
    /// <summary>The clock freeze windows are judged on (tests pass a fake one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>What Resume-Deployment was asked to do.</summary>
internal sealed class ResumeDeploymentOptions
{
    /// <summary>Null: the most recent interrupted deployment.</summary>
    public string? Id { get; init; }
    public IDeploymentHooks? Hooks { get; init; }
    public ICanaryGate? CanaryGate { get; init; }
    public string Command { get; init; } = "Resume-Deployment";
}
