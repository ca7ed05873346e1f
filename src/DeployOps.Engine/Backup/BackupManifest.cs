using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployOps.Engine.Backup;

/// <summary>The JSON written next to each dump (<c>&lt;id&gt;.json</c>): what it holds and whether it was proven restorable.</summary>
internal sealed class BackupManifest
{
    /// <summary>2 since directory dumps (format, compression, files); manifests of version 1 describe a custom-format file.</summary>
    public int FormatVersion { get; set; } = 2;
    public string Id { get; set; } = "";
    public string File { get; set; } = "";
    public string Database { get; set; } = "";
    /// <summary>host:port/database, never with credentials.</summary>
    public string Server { get; set; } = "";
    public string ServerVersion { get; set; } = "";
    public string? PgDumpVersion { get; set; }
    public DateTimeOffset Created { get; set; }
    public string CreatedBy { get; set; } = "";
    public string Host { get; set; } = "";
    public string? Reason { get; set; }
    public long Size { get; set; }
    /// <summary>The dump file's sha256; for a directory dump the combined sha256 of <see cref="Files"/> (see DumpChecksum).</summary>
    public string Sha256 { get; set; } = "";
    /// <summary>"directory" or "custom"; null in manifests written before directory dumps (custom).</summary>
    public string? Format { get; set; }
    /// <summary>The compression pg_dump was asked for (its --compress value), null for pg_dump's default.</summary>
    public string? Compression { get; set; }
    /// <summary>sha256 of every file of a directory dump, by name; null for a single-file dump.</summary>
    public SortedDictionary<string, string>? Files { get; set; }
    public double DurationSeconds { get; set; }
    public int? CompressLevel { get; set; }
    public SortedDictionary<string, long> Tables { get; set; } = new(StringComparer.Ordinal);
    public string? MigrationsTable { get; set; }
    public string? MigrationHead { get; set; }
    /// <summary>null until Test-DeploymentBackup has run; then its latest verdict.</summary>
    public bool? Verified { get; set; }
    public DateTimeOffset? VerifiedAt { get; set; }
    public string? VerifiedBy { get; set; }
    public string? VerificationDetails { get; set; }

    [JsonIgnore]
    public BackupDumpFormat DumpFormat =>
        string.Equals(Format, "directory", StringComparison.OrdinalIgnoreCase) ? BackupDumpFormat.Directory : BackupDumpFormat.Custom;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
