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

    public string Id { get; }
    public string Database { get; }
    public string Server { get; }
    public string ServerVersion { get; }
    public DateTimeOffset Created { get; }
    public string CreatedBy { get; }
    public string Host { get; }
    /// <summary>Why it was taken: manual, pre-restore, pre-deployment, pre-rollback…</summary>
    public string? Reason { get; }
    /// <summary>Size of the dump in bytes (all its files for a directory dump).</summary>
    public long Size { get; }
    public string Sha256 { get; }
    public TimeSpan Duration { get; }
    /// <summary>Exact row count per table ("schema.table"), read in the dump's own snapshot.</summary>
    public IReadOnlyDictionary<string, long> Tables { get; }
    public long TotalRows => Tables.Values.Sum();
    /// <summary>Latest value of the migrations table at backup time; null when there is no such table.</summary>
    public string? MigrationHead { get; }
    /// <summary>null: never tested; true: restored into a scratch database and matched its manifest; false: failed that.</summary>
    public bool? Verified { get; }
    public DateTimeOffset? VerifiedAt { get; }
    public string? VerificationDetails { get; }
    /// <summary>The dump: a folder (pg_dump directory format) or one file (custom format).</summary>
    public string Path { get; }
    /// <summary>"directory" or "custom" (backups taken before directory dumps are custom).</summary>
    public string Format { get; internal init; } = "custom";
    /// <summary>pg_dump's --compress value (e.g. 1, lz4, gzip:3); null when pg_dump's default was used.</summary>
    public string? Compression { get; internal init; }
    public string ManifestPath { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    public override string ToString() => $"{Id} ({Database}, {Size:N0} bytes)";
}
