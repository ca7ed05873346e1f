using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployOps.Engine.Backup;

/// <summary>The JSON written next to each dump (<c>&lt;id&gt;.json</c>): what it holds and whether it was proven restorable.</summary>
internal sealed class BackupManifest
{
    public int FormatVersion { get; set; } = 1;
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
    public string Sha256 { get; set; } = "";
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

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
