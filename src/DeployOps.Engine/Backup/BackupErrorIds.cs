namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>pg_dump failed or the dump could not be written; no backup was recorded.</summary>
    public const string BackupFailed = "BackupFailed";
    /// <summary>The dump file does not match the sha256 in its manifest (or is missing/unreadable).</summary>
    public const string BackupCorrupt = "BackupCorrupt";
    /// <summary>The restored copy does not match the manifest (row counts, verification query, restore errors).</summary>
    public const string BackupVerificationFailed = "BackupVerificationFailed";
    public const string BackupNotFound = "BackupNotFound";
    /// <summary>No postgres section: there is no database to back up or restore.</summary>
    public const string BackupNotConfigured = "BackupNotConfigured";
    /// <summary>The restore did not complete; the message says exactly what state the database is in.</summary>
    public const string RestoreFailed = "RestoreFailed";
    /// <summary>pg_dump or pg_restore is not installed (the message carries the install command).</summary>
    public const string PgToolMissing = "PgToolMissing";
    /// <summary>A stopApp/startApp command failed.</summary>
    public const string AppCommandFailed = "AppCommandFailed";
}
