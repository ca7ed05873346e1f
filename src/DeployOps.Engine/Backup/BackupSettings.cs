using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Backup;

/// <summary>How <c>Restore-DeploymentDatabase</c> replaces the database.</summary>
/// <summary>The <c>backup:</c> section of deployops.yaml: where dumps go, which tools make them, how long they live.</summary>
internal sealed class BackupSettings
{
    public const string DefaultMigrationsTable = "schema_migrations";
    public const string DefaultMigrationsColumn = "version";

    private BackupSettings() { }

    /// <summary>Absolute folder of dumps and manifests (default: <c>backups</c> in the state directory).</summary>
    public string Directory { get; private init; } = "";
    /// <summary>The application database (the top-level <c>postgres:</c> section); null when none is configured.</summary>
    public PostgresSettings? Postgres { get; private init; }
    /// <summary>Explicit pg_dump path; null means found on PATH or in /usr/lib/postgresql/*/bin (newest).</summary>
    public string? PgDump { get; private init; }
    public string? PgRestore { get; private init; }
    /// <summary>psql, used by clean restores that must drop relations created after the backup.</summary>
    public string? Psql { get; private init; }
    /// <summary>Keep only the newest N backups of the database (null: no count limit).</summary>
    public int? KeepLast { get; private init; }
    /// <summary>Delete backups older than this (null: no age limit).</summary>
    public TimeSpan? MaxAge { get; private init; }
    /// <summary>SQL run against a restored copy; its first column of the first row must be true (or non-zero).</summary>
    public string? VerifyQuery { get; private init; }
    public BackupRestoreMode RestoreMode { get; private init; }
    public IReadOnlyList<string> StopApp { get; private init; } = Array.Empty<string>();
    public IReadOnlyList<string> StartApp { get; private init; } = Array.Empty<string>();
    /// <summary>Time limit for each stopApp/startApp command.</summary>
    public TimeSpan CommandTimeout { get; private init; }
    /// <summary>Directory (default: parallel dump and restore) or custom (one file).</summary>
    public BackupDumpFormat Format { get; private init; }
    /// <summary>Parallel jobs for pg_dump (directory format) and pg_restore (verify, swap restore); default: processor count.</summary>
    public int Jobs { get; private init; } = 1;
    /// <summary>What pg_dump compresses with (default auto: lz4 with pg_dump 16+, else gzip level 1).</summary>
    public BackupCompression Compression { get; private init; } = BackupCompression.Auto;
    public string MigrationsTable { get; private init; } = DefaultMigrationsTable;
    public string MigrationsColumn { get; private init; } = DefaultMigrationsColumn;
    /// <summary>Database used to create, drop and rename databases (never the one being restored).</summary>
    public string MaintenanceDatabase { get; private init; } = "postgres";
    /// <summary>lock_timeout for the restore, so a client that reconnects and holds a lock fails it fast instead of hanging it.</summary>
    public TimeSpan LockTimeout { get; private init; }

    internal static BackupSettings Read(ConfigMap? map, PostgresSettings? postgres, string stateDirectory, string configDirectory)
    {
        var directory = map?.String("directory");
        var full = directory is null
            ? Path.Combine(stateDirectory, "backups")
            : Path.GetFullPath(Path.IsPathRooted(directory) ? directory : Path.Combine(configDirectory, directory));
        var retention = map?.Map("retention");
        int? keepLast = retention?.Has("keepLast") == true ? retention.Int("keepLast", 1, 1) : null;
        var maxAge = retention?.OptionalDuration("maxAge");
        retention?.Finish();
        var compression = ReadCompression(map);
        var settings = new BackupSettings
        {
            Directory = full,
            Postgres = postgres,
            PgDump = ToolPath(map, "pgDump", configDirectory),
            PgRestore = ToolPath(map, "pgRestore", configDirectory),
            Psql = ToolPath(map, "psql", configDirectory),
            KeepLast = keepLast,
            MaxAge = maxAge,
            VerifyQuery = map?.String("verifyQuery"),
            RestoreMode = map?.Enum("restoreMode", BackupRestoreMode.Clean) ?? BackupRestoreMode.Clean,
            StopApp = map?.StringList("stopApp") ?? Array.Empty<string>(),
            StartApp = map?.StringList("startApp") ?? Array.Empty<string>(),
            CommandTimeout = map?.Duration("commandTimeout", TimeSpan.FromMinutes(2)) ?? TimeSpan.FromMinutes(2),
            Format = map?.Enum("format", BackupDumpFormat.Directory) ?? BackupDumpFormat.Directory,
            Jobs = map?.Int("jobs", DefaultJobs, 1, 64) ?? DefaultJobs,
            Compression = compression,
            MigrationsTable = map?.String("migrationsTable", DefaultMigrationsTable) ?? DefaultMigrationsTable,
            MigrationsColumn = map?.String("migrationsColumn", DefaultMigrationsColumn) ?? DefaultMigrationsColumn,
            MaintenanceDatabase = map?.String("maintenanceDatabase", "postgres") ?? "postgres",
            LockTimeout = map?.Duration("lockTimeout", TimeSpan.FromMinutes(1)) ?? TimeSpan.FromMinutes(1),
        };
        if (map is not null && postgres is null)
            map.ErrorHere("backup needs the database to back up: add a top-level postgres section");
        if (postgres is not null && string.Equals(settings.MaintenanceDatabase, postgres.Database, StringComparison.Ordinal))
            map?.Error("maintenanceDatabase", $"must differ from the application database '{postgres.Database}' (it is used to drop and rename it)");
        map?.Finish();
        return settings;
    }

    /// <summary>At least 1, whatever the host reports.</summary>
    public static int DefaultJobs => Math.Max(1, Environment.ProcessorCount);

    private static BackupCompression ReadCompression(ConfigMap? map)
    {
        if (map is null) return BackupCompression.Auto;
        // compressLevel (0-9, gzip) predates compression and keeps working; both at once would be ambiguous.
        var legacy = map.Has("compressLevel") ? map.Int("compressLevel", 6, 0, 9) : (int?)null;
        var text = map.String("compression");
        if (text is null) return legacy is { } level ? BackupCompression.FromLevel(level) : BackupCompression.Auto;
        if (legacy is not null) map.Error("compressLevel", "set either compression or the older compressLevel, not both");
        var parsed = BackupCompression.Parse(text, out var error);
        if (parsed is null) map.Error("compression", error!);
        return parsed ?? BackupCompression.Auto;
    }

    private static string? ToolPath(ConfigMap? map, string key, string configDirectory)
    {
        var value = map?.String(key);
        if (string.IsNullOrEmpty(value)) return null;
        // A bare name ("pg_dump") is looked up on PATH; anything with a slash is a path relative to the config.
        return value.Contains('/') || value.Contains('\\')
            ? Path.GetFullPath(Path.IsPathRooted(value) ? value : Path.Combine(configDirectory, value))
            : value;
    }
}
