namespace DeployOps.Engine.Rollback;

/// <summary>How a rollback ended, with the exit code the runbooks expect.</summary>
public enum RollbackStatus
{
    /// <summary>Rolled back and verified (or verification skipped): exit 0.</summary>
    Succeeded,
    /// <summary>Not rolled back (refused, backup failed) or rolled back but not healthy: manual intervention, exit 1.</summary>
    Failed,
    /// <summary>A rollback action failed midway: the application may be half rolled back, exit 2.</summary>
    Critical,
}

/// <summary>The outcome of Invoke-Rollback.</summary>
public sealed class RollbackResult
{
    internal RollbackResult(string deploymentId, string application, string environment, string strategy, string fromVersion,
        string toVersion, RollbackStatus status, string message, IReadOnlyList<string> actions, IReadOnlyList<string> migrationsCrossed,
        string? deploymentBackupId, string? preRollbackBackupId, string? restoredBackupId, bool? verified, string? incidentDirectory,
        string? reportPath, DateTimeOffset start, TimeSpan duration)
    {
        DeploymentId = deploymentId;
        Application = application;
        Environment = environment;
        Strategy = strategy;
        FromVersion = fromVersion;
        ToVersion = toVersion;
        Status = status;
        Message = message;
        Actions = actions;
        MigrationsCrossed = migrationsCrossed;
        DeploymentBackupId = deploymentBackupId;
        PreRollbackBackupId = preRollbackBackupId;
        RestoredBackupId = restoredBackupId;
        Verified = verified;
        IncidentDirectory = incidentDirectory;
        ReportPath = reportPath;
        Start = start;
        Duration = duration;
    }

    /// <summary>
    /// A rollback that never started (nothing to undo, no backup, a bad configuration or version): status Failed,
    /// exit code 1, so <c>exit (Invoke-Rollback).ExitCode</c> never reports success for a rollback that did not happen.
    /// </summary>
    internal static RollbackResult NotStarted(string? deploymentId, string? toVersion, string message, DateTimeOffset start) =>
        new(deploymentId ?? "", "", "", "", "", toVersion ?? "", RollbackStatus.Failed, message, Array.Empty<string>(),
            Array.Empty<string>(), null, null, null, null, null, null, start, DateTimeOffset.UtcNow - start);

    /// <summary>The deployment that was rolled back.</summary>
    public string DeploymentId { get; }
    /// <summary>The application name (application: in deployops.yaml).</summary>
    public string Application { get; }
    /// <summary>The environment name (environment: in deployops.yaml).</summary>
    public string Environment { get; }
    /// <summary>The strategy the undone deployment used (blue-green, rolling, canary, docker …), which decides how it
    /// was undone.</summary>
    public string Strategy { get; }
    /// <summary>The version that was undone.</summary>
    public string FromVersion { get; }
    /// <summary>The version put back.</summary>
    public string ToVersion { get; }
    /// <summary>Succeeded, Failed or Critical (see <see cref="ExitCode"/>).</summary>
    public RollbackStatus Status { get; }
    /// <summary>0 rolled back, 1 failed (manual intervention needed), 2 critical error during the rollback.</summary>
    public int ExitCode => Status switch { RollbackStatus.Succeeded => 0, RollbackStatus.Failed => 1, _ => 2 };
    /// <summary>What happened, in a sentence.</summary>
    public string Message { get; }
    /// <summary>What was done, in order ("traffic: all to blue", "database: restored backup …").</summary>
    public IReadOnlyList<string> Actions { get; }
    /// <summary>Migrations the undone deployment applied (empty when it did not move the head).</summary>
    public IReadOnlyList<string> MigrationsCrossed { get; }
    /// <summary>The backup taken before the undone deployment.</summary>
    public string? DeploymentBackupId { get; }
    /// <summary>The backup of the current database taken before acting.</summary>
    public string? PreRollbackBackupId { get; }
    /// <summary>Set when -IncludeDatabase restored the pre-deployment backup.</summary>
    public string? RestoredBackupId { get; }
    /// <summary>Health verification: true passed, false failed, null skipped (-NoVerify) or not reached.</summary>
    public bool? Verified { get; }
    /// <summary>The rollback failed and left maintenance on (users see the page, not the dead app); Exit-MaintenanceMode once it serves.</summary>
    public bool MaintenanceLeftOn { get; internal set; }
    /// <summary>The folder the incident's evidence (logs, configuration, report) was collected in; null when none was
    /// written.</summary>
    public string? IncidentDirectory { get; }
    /// <summary>The Markdown incident report (incident.json next to it).</summary>
    public string? ReportPath { get; }
    /// <summary>When the rollback started.</summary>
    public DateTimeOffset Start { get; }
    /// <summary>How long the rollback took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"deploymentId fromVersion -> toVersion: status".</summary>
    public override string ToString() => $"{DeploymentId} {FromVersion} -> {ToVersion}: {Status}";
}
