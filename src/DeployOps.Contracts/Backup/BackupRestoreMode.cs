namespace DeployOps.Engine.Backup;

/// <summary>How Restore-DeploymentDatabase replaces the database (-Mode).</summary>
public enum BackupRestoreMode
{
    /// <summary><c>pg_restore --clean --if-exists</c> into the live database, in one transaction.</summary>
    Clean,
    /// <summary>Restore into a fresh database, verify it, then swap the names with ALTER DATABASE RENAME.</summary>
    Swap,
}
