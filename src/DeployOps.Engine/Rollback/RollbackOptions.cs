namespace DeployOps.Engine.Rollback;

/// <summary>What Invoke-Rollback (or the health watcher's automatic rollback) was asked to do.</summary>
internal sealed class RollbackOptions
{
    /// <summary>The deployment to undo; null: the newest one (running-but-dead, interrupted or finished).</summary>
    public string? DeploymentId { get; init; }
    /// <summary>The version to go back to; null: the undone deployment's previous version.</summary>
    public string? ToVersion { get; init; }
    /// <summary>Restore the pre-deployment backup as part of the rollback (needed across a migration).</summary>
    public bool IncludeDatabase { get; init; }
    /// <summary>Skip the health verification after acting (emergency).</summary>
    public bool NoVerify { get; init; }
    /// <summary>Do not back up the current database before acting.</summary>
    public bool NoBackup { get; init; }
    /// <summary>Roll back the code across a migration anyway (audited).</summary>
    public bool Force { get; init; }
    /// <summary>Why (shown in the incident report); the health watcher passes its verdict.</summary>
    public string? Reason { get; init; }
    /// <summary>The change (or incident) ticket: audited and notified. Never required: a rollback is never held up.</summary>
    public string? ChangeTicket { get; init; }
    /// <summary>The decision record that triggered the rollback; null: the deployment's own (DecisionRecordPath).</summary>
    public string? DecisionRecordPath { get; init; }
    public string Command { get; init; } = "Invoke-Rollback";
}
