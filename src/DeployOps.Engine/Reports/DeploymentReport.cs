namespace DeployOps.Engine.Reports;

// The filled-in deployment checklist of one deployment, gathered from what DeployOps recorded. Every part that was
// not recorded is null (or empty), never guessed: the renderers print "not recorded" for it. The property names and
// order are the JSON shape documented in docs/report.md ("schema": "deployops.report/1"); add fields, never rename.

/// <summary>The whole report; <see cref="Schema"/> names the JSON shape version.</summary>
internal sealed record DeploymentReport(
    string Schema,
    DateTimeOffset GeneratedAt,
    ReportDeployment Deployment,
    IReadOnlyList<ReportApproval> Approvals,
    ReportPreChecks? PreChecks,
    IReadOnlyList<ReportPhase> Phases,
    ReportMaintenance? Maintenance,
    ReportBackup? Backup,
    ReportHealth? Health,
    ReportRollback? Rollback,
    ReportIncident? Incident,
    IReadOnlyList<ReportLogEntry> Log)
{
    public const string SchemaName = "deployops.report/1";
}

/// <summary>Deployment information: what, where, who, why.</summary>
internal sealed record ReportDeployment(
    string Id, string Application, string Environment, string Version, string? PreviousVersion, string Strategy,
    string Operator, string Host, DateTimeOffset Start, DateTimeOffset? End, double? DurationSeconds, string Outcome,
    string? Error, string? Reason, string? ChangeTicket, string? FreezeOverridden, string? LogPath);

/// <summary>A sign-off given (or refused) for this deployment, as audited.</summary>
internal sealed record ReportApproval(DateTimeOffset Time, string By, string Host, string Command, string Action, string Outcome, string? Comment);

/// <summary>The pre-deployment checks: the phase's result and, when recorded, each check with its evidence.</summary>
internal sealed record ReportPreChecks(string? PhaseStatus, string? Summary, IReadOnlyList<ReportCheck> Results);

/// <summary>One check: its result and the evidence it gathered (measured values, as recorded).</summary>
internal sealed record ReportCheck(string Name, string Kind, string Category, string Status, string Message,
    double DurationMs, string Target, IReadOnlyDictionary<string, string> Evidence);

/// <summary>One journaled phase.</summary>
internal sealed record ReportPhase(string Name, string Status, DateTimeOffset Start, DateTimeOffset? End,
    double? DurationSeconds, string? Detail, IReadOnlyList<string> Steps);

/// <summary>The maintenance window and the drain before it, from the audit log.</summary>
internal sealed record ReportMaintenance(DateTimeOffset? EnteredAt, DateTimeOffset? ExitedAt, double? DurationSeconds,
    string? Mechanism, string? ExitOutcome, ReportDrain? Drain);

/// <summary>Draining: how many connections were left, against which threshold, after how long.</summary>
internal sealed record ReportDrain(string Outcome, string Source, long? LastCount, long? Threshold, int? Samples,
    double? ElapsedSeconds, string? Message);

/// <summary>The pre-deployment backup and its verification (row counts per table).</summary>
internal sealed record ReportBackup(string Id, bool ManifestFound, string? Database, DateTimeOffset? Created, long? SizeBytes,
    string? Sha256, IReadOnlyDictionary<string, long> Tables, long? TotalRows, string? MigrationHead, bool? Verified,
    DateTimeOffset? VerifiedAt, string? VerificationDetails);

/// <summary>Post-deployment verification: the recorded health samples, thresholds and decisions.</summary>
internal sealed record ReportHealth(
    IReadOnlyList<ReportSample> Samples,
    IReadOnlyList<ReportThreshold> Thresholds,
    IReadOnlyList<ReportDecision> Decisions,
    ReportDecision? Final);

/// <summary>One recorded sample, reduced to the figures the report shows.</summary>
internal sealed record ReportSample(int Sequence, DateTimeOffset Time, double ElapsedSeconds, string Phase, string Verdict,
    double? ErrorRate, double? P95, double? Requests, IReadOnlyList<string> Reasons);

/// <summary>A rule's threshold drawn on the chart; Source says whether a decision record or the configuration gave it.</summary>
internal sealed record ReportThreshold(string Rule, string Signal, string Comparison, double Value, string Source);

/// <summary>A health decision: from a decision record, or (Number 0) the verdict of the last recorded sample.</summary>
internal sealed record ReportDecision(int Number, string Verdict, string? Rule, string? Signal, string? Comparison,
    double? Value, double? Threshold, DateTimeOffset DecidedAt, string Phase, bool RollbackTriggered, string? RecordPath,
    IReadOnlyList<string> Reasons);

/// <summary>The rollback of this deployment, from the audit log.</summary>
internal sealed record ReportRollback(DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string Outcome, string Command,
    string By, IReadOnlyDictionary<string, string> Details);

/// <summary>The incident report the rollback wrote.</summary>
internal sealed record ReportIncident(string Path, string? Status, string? Reason, string? Message, string? FromVersion,
    string? ToVersion, double? DurationSeconds);

/// <summary>One audit line about this deployment: the deployment log.</summary>
internal sealed record ReportLogEntry(DateTimeOffset Time, string User, string Host, string Command, string Action,
    string Target, string Outcome);
