using System.Globalization;
using DeployOps.Engine.Audit;

namespace DeployOps.Engine.Reports;

/// <summary>The parts of the report only the audit log knows: approvals, the maintenance window and drain, the rollback.</summary>
internal static class ReportAuditParts
{
    private static readonly string[] ApprovalCommands = { "Approve-Deployment", "Deny-Deployment" };
    private const string RollbackAction = "Roll back deployment";
    private static readonly string[] NotARollbackEnd = { "Started", "Skipped", "Refused" };

    public static IReadOnlyList<ReportApproval> Approvals(IReadOnlyList<AuditEntry> audit) => audit
        .Where(e => ApprovalCommands.Contains(e.Command, StringComparer.OrdinalIgnoreCase) && e.Outcome != "Skipped")
        .Select(e => new ReportApproval(e.Time, e.User, e.Host, e.Command, e.Action, e.Outcome,
            e.Details.GetValueOrDefault("comment") ?? e.Details.GetValueOrDefault("reason")))
        .ToList();

    /// <summary>From the first successful "enter maintenance" to the last exit (or the scope leaving it on); null when never entered.</summary>
    public static ReportMaintenance? Maintenance(IReadOnlyList<AuditEntry> audit)
    {
        var entered = audit.FirstOrDefault(e => e.Action == "enter maintenance" && e.Outcome is "Succeeded" or "AlreadyOn");
        var drain = audit.LastOrDefault(e => e.Action == "drain");
        if (entered is null && drain is null) return null;
        var exited = audit.LastOrDefault(e => e.Action == "exit maintenance" && e.Outcome is "Succeeded" or "AlreadyOff");
        var scope = audit.LastOrDefault(e => e.Action == "leave maintenance scope");
        double? duration = entered is not null && exited is not null ? ReportBuilder.Seconds(exited.Time - entered.Time) : null;
        return new ReportMaintenance(entered?.Time, exited?.Time, duration, entered?.Target,
            exited?.Outcome ?? scope?.Outcome, drain is null ? null : Drain(drain));
    }

    private static ReportDrain Drain(AuditEntry e) => new(e.Outcome, e.Target, Long(e, "lastCount"), Long(e, "threshold"),
        (int?)Long(e, "samples"), Long(e, "elapsedMs") is { } ms ? ms / 1000.0 : null, e.Details.GetValueOrDefault("message"));

    /// <summary>The rollback's start and its final line (Succeeded, Failed, Critical…); null when it was never rolled back.</summary>
    public static ReportRollback? Rollback(IReadOnlyList<AuditEntry> audit)
    {
        var lines = audit.Where(e => e.Action.StartsWith(RollbackAction, StringComparison.Ordinal)).ToList();
        var started = lines.LastOrDefault(e => e.Outcome == "Started");
        var ended = lines.LastOrDefault(e => !NotARollbackEnd.Contains(e.Outcome));
        if (started is null && ended is null) return null;
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in new[] { started, ended })
            if (line is not null) foreach (var (k, v) in line.Details) if (v.Length > 0) details[k] = v;
        var by = (started ?? ended)!;
        return new ReportRollback(started?.Time, ended?.Time, ended?.Outcome ?? "not finished", by.Command, by.User, details);
    }

    private static long? Long(AuditEntry e, string key) =>
        e.Details.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
