namespace DeployOps.Engine.Backup;

/// <summary>A completed Restore-DeploymentDatabase: what replaced what, and the safety net left behind.</summary>
public sealed class DatabaseRestoreResult
{
    internal DatabaseRestoreResult(string backupId, string database, BackupRestoreMode mode, string? safetyBackupId,
        int terminatedConnections, int tablesVerified, IReadOnlyList<string> extraTables, string? migrationHead,
        string? previousDatabase, TimeSpan duration)
    {
        BackupId = backupId;
        Database = database;
        Mode = mode;
        SafetyBackupId = safetyBackupId;
        TerminatedConnections = terminatedConnections;
        TablesVerified = tablesVerified;
        ExtraTables = extraTables;
        MigrationHead = migrationHead;
        PreviousDatabase = previousDatabase;
        Duration = duration;
    }

    /// <summary>The id of the backup that was restored.</summary>
    public string BackupId { get; }
    /// <summary>The database that now holds the backup's contents.</summary>
    public string Database { get; }
    /// <summary>How the database was replaced: in place (Clean) or by renaming a freshly restored copy
    /// (Swap).</summary>
    public BackupRestoreMode Mode { get; }
    /// <summary>The backup of the database as it was just before the restore (null with -NoSafetyBackup).</summary>
    public string? SafetyBackupId { get; }
    /// <summary>How many client connections to the database were terminated so the restore could proceed.</summary>
    public int TerminatedConnections { get; }
    /// <summary>Tables whose row counts matched the manifest after the restore.</summary>
    public int TablesVerified { get; }
    /// <summary>Clean mode only: tables that exist now but not in the backup (clean drops only what the dump contains).</summary>
    public IReadOnlyList<string> ExtraTables { get; }
    /// <summary>The migrations table's latest value after the restore (null when the database has no migrations
    /// table).</summary>
    public string? MigrationHead { get; }
    /// <summary>Swap mode: the name the replaced database now has (kept; drop it when satisfied).</summary>
    public string? PreviousDatabase { get; }
    /// <summary>How long the restore took, safety backup and verification included.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }
}
