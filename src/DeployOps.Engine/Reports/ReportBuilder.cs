using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Reports;

/// <summary>
/// Gathers one deployment's report from what DeployOps recorded: the journal (record and phases), the audit log,
/// the pre-check evidence, the backup manifest, the health samples and decision records, and the incident report.
/// A source that is missing leaves its part null; a source that cannot be read is a warning, never a failed report.
/// </summary>
internal static class ReportBuilder
{
    public const string PreChecksPhase = "pre-checks";

    public static async Task<DeploymentReport> BuildAsync(ConfigModel config, DeploymentRecord record, DateTimeOffset now,
        IOutputSink sink, CancellationToken ct)
    {
        var audit = AuditFor(config, record.Id, sink);
        var backup = record.BackupId is { } backupId ? await BackupAsync(config, backupId, sink, ct).ConfigureAwait(false) : null;
        var rollback = ReportAuditParts.Rollback(audit);
        return new DeploymentReport(
            DeploymentReport.SchemaName,
            now,
            Deployment(record),
            ReportAuditParts.Approvals(audit),
            PreChecks(config, record, sink),
            record.Phases.Select(p => new ReportPhase(p.Name, p.Status.ToString(), p.Start, p.End, Seconds(p.Duration), p.Detail,
                p.CompletedSteps)).ToList(),
            ReportAuditParts.Maintenance(audit),
            backup,
            ReportHealthReader.Read(config, record.Id, sink),
            rollback,
            ReportIncidentReader.Read(config, record.Id, rollback, sink),
            audit.Select(e => new ReportLogEntry(e.Time, e.User, e.Host, e.Command, e.Action, e.Target, e.Outcome)).ToList());
    }

    private static ReportDeployment Deployment(DeploymentRecord r) => new(r.Id, r.Application, r.Environment, r.Version,
        r.PreviousVersion, r.Strategy, r.User, r.Host, r.Start, r.End, Seconds(r.Duration), r.Outcome.ToString(), r.Error,
        r.Reason, r.ChangeTicket, r.Fields.GetValueOrDefault(DeploymentField.FreezeOverridden), r.LogPath);

    private static ReportPreChecks? PreChecks(ConfigModel config, DeploymentRecord record, IOutputSink sink)
    {
        var phase = record.Phases.LastOrDefault(p => p.Name == PreChecksPhase);
        var results = PreCheckEvidence.Read(config.State.Directory, record.Id, out var problem);
        if (problem is not null) sink.WriteWarning($"Pre-deployment check evidence unreadable, reported as not recorded: {problem}");
        if (phase is null && results is null) return null;
        return new ReportPreChecks(phase?.Status.ToString(), phase?.Detail, results ?? new List<ReportCheck>());
    }

    // Only this deployment's lines, oldest first; an unreadable audit log is reported, and the report goes on without it.
    private static IReadOnlyList<AuditEntry> AuditFor(ConfigModel config, string id, IOutputSink sink)
    {
        try
        {
            return AuditLog.For(config).ReadAll()
                .Where(e => e.DeploymentId == id && (e.Application is null || e.Application == config.Application))
                .OrderBy(e => e.Time).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            sink.WriteWarning($"Cannot read the audit log of {config.Application}/{config.Environment}: {ex.Message}");
            return Array.Empty<AuditEntry>();
        }
    }

    private static async Task<ReportBackup> BackupAsync(ConfigModel config, string id, IOutputSink sink, CancellationToken ct)
    {
        DeploymentBackup? b = null;
        try
        {
            b = await new BackupManager(config).FindAsync(id, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex)
        {
            sink.WriteWarning($"Cannot read backup {id}: {ex.Message}");
        }
        if (b is null) return new ReportBackup(id, false, null, null, null, null, new Dictionary<string, long>(), null, null, null, null, null);
        return new ReportBackup(b.Id, true, b.Database, b.Created, b.Size, b.Sha256,
            new SortedDictionary<string, long>(b.Tables.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal),
            b.TotalRows, b.MigrationHead, b.Verified, b.VerifiedAt, b.VerificationDetails);
    }

    internal static double? Seconds(TimeSpan? t) => t is { } d ? Math.Round(d.TotalSeconds, 3) : null;

    internal static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
