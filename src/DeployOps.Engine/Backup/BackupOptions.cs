namespace DeployOps.Engine.Backup;

/// <summary>What <see cref="BackupManager.BackupAsync"/> does besides dumping.</summary>
internal sealed class BackupOptions
{
    /// <summary>Why it is taken (recorded in the manifest): manual, pre-deployment, pre-rollback…</summary>
    public string Reason { get; init; } = "manual";
    /// <summary>Restore it into a scratch database right away and record the verdict.</summary>
    public bool Verify { get; init; }
    /// <summary>Apply backup.retention afterwards (default true).</summary>
    public bool ApplyRetention { get; init; } = true;
    /// <summary>Backup ids retention must not delete (e.g. the one about to be restored).</summary>
    public IReadOnlyCollection<string> Protect { get; init; } = Array.Empty<string>();
    /// <summary>The command named in audit lines (Invoke-Deployment passes its own).</summary>
    public string Command { get; init; } = "Backup-DeploymentDatabase";
    public string? DeploymentId { get; init; }
}

/// <summary>What <see cref="BackupManager.RestoreAsync"/> restores and how.</summary>
internal sealed class RestoreOptions
{
    /// <summary>The backup to restore; null means the newest backup of the configured database.</summary>
    public string? Id { get; init; }
    /// <summary>Skip the backup of the current database that is otherwise taken first.</summary>
    public bool NoSafetyBackup { get; init; }
    /// <summary>Overrides backup.restoreMode for this restore.</summary>
    public BackupRestoreMode? Mode { get; init; }
    /// <summary>Skip the configured stopApp/startApp commands (the caller manages the application itself).</summary>
    public bool SkipAppCommands { get; init; }
    public string Command { get; init; } = "Restore-DeploymentDatabase";
    public string? DeploymentId { get; init; }
}
