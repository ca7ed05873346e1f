namespace DeployOps.Engine.Backup;

/// <summary>One database backup: the dump, what it contains, and its verification verdict.</summary>
public sealed class DeploymentBackup
{
    internal DeploymentBackup(string id, string database, string server, string serverVersion, DateTimeOffset created,
        string createdBy, string host, string? reason, long size, string sha256, TimeSpan duration,
        IReadOnlyDictionary<string, long> tables, string? migrationHead, bool? verified, DateTimeOffset? verifiedAt,
        string? verificationDetails, string path, string manifestPath)
    {
        Id = id;
        Database = database;
        Server = server;
        ServerVersion = serverVersion;
        Created = created;
        CreatedBy = createdBy;
        Host = host;
        Reason = reason;
        Size = size;
        Sha256 = sha256;
        Duration = duration;
        Tables = tables;
        MigrationHead = migrationHead;
        Verified = verified;
        VerifiedAt = verifiedAt;
        VerificationDetails = verificationDetails;
        Path = path;
        ManifestPath = manifestPath;
    }

    /// <summary>The backup's id: the name Get-, Test- and Restore-DeploymentDatabase/-Backup take.</summary>
    public string Id { get; }
    /// <summary>The database that was dumped.</summary>
    public string Database { get; }
    /// <summary>The PostgreSQL server it was dumped from, as host:port (no credentials).</summary>
    public string Server { get; }
    /// <summary>The PostgreSQL server's version at backup time (a restore needs that major version or later).</summary>
    public string ServerVersion { get; }
    /// <summary>When the dump was taken.</summary>
    public DateTimeOffset Created { get; }
    /// <summary>The operating-system user who took it.</summary>
    public string CreatedBy { get; }
    /// <summary>The machine it was taken on.</summary>
    public string Host { get; }
    /// <summary>Why it was taken: manual, pre-restore, pre-deployment, pre-rollback…</summary>
    public string? Reason { get; }
    /// <summary>Size of the dump in bytes (all its files for a directory dump).</summary>
    public long Size { get; }
    /// <summary>SHA-256 of the dump as written, hex; Test-DeploymentBackup recomputes it to detect
    /// corruption.</summary>
    public string Sha256 { get; }
    /// <summary>How long pg_dump and the row count took.</summary>
    public TimeSpan Duration { get; }
    /// <summary>Exact row count per table ("schema.table"), read in the dump's own snapshot.</summary>
    public IReadOnlyDictionary<string, long> Tables { get; }
    /// <summary>The sum of <see cref="Tables"/>: every row the dump contains.</summary>
    public long TotalRows => Tables.Values.Sum();
    /// <summary>Latest value of the migrations table at backup time; null when there is no such table.</summary>
    public string? MigrationHead { get; }
    /// <summary>null: never tested; true: restored into a scratch database and matched its manifest; false: failed that.</summary>
    public bool? Verified { get; }
    /// <summary>When it was last verified (null when never).</summary>
    public DateTimeOffset? VerifiedAt { get; }
    /// <summary>The last verification's summary, or its problems when it failed (null when never verified).</summary>
    public string? VerificationDetails { get; }
    /// <summary>The dump: a folder (pg_dump directory format) or one file (custom format).</summary>
    public string Path { get; }
    /// <summary>"directory" or "custom" (backups taken before directory dumps are custom).</summary>
    public string Format { get; internal init; } = "custom";
    /// <summary>pg_dump's --compress value (e.g. 1, lz4, gzip:3); null when pg_dump's default was used.</summary>
    public string? Compression { get; internal init; }
    /// <summary>The JSON manifest beside the dump (id, checksum, row counts, verification) that Get-DeploymentBackup
    /// reads.</summary>
    public string ManifestPath { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"id (database, size bytes)".</summary>
    public override string ToString() => $"{Id} ({Database}, {Size:N0} bytes)";
}
