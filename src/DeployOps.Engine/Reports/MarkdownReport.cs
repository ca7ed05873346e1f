using System.Text;
using System.Text.RegularExpressions;
using static DeployOps.Engine.Reports.ReportText;

namespace DeployOps.Engine.Reports;

/// <summary>The report as the runbooks' deployment checklist in Markdown: filled-in sections, then blank sign-off lines.</summary>
internal static partial class MarkdownReport
{
    public static string Render(DeploymentReport r)
    {
        var d = r.Deployment;
        var md = new StringBuilder();
        md.Append("# Deployment report: ").Append(E(d.Application)).Append('/').Append(E(d.Environment)).Append(' ').AppendLine(E(d.Version)).AppendLine();
        md.AppendLine($"Generated {Time(r.GeneratedAt)} from the records DeployOps keeps; \"{NotRecorded}\" marks what was not recorded.").AppendLine();

        md.AppendLine("## Deployment information").AppendLine().AppendLine("| Item | Value |").AppendLine("|---|---|");
        Row(md, "Deployment id", d.Id);
        Row(md, "Application / environment", $"{d.Application} / {d.Environment}");
        Row(md, "Version", $"{d.PreviousVersion ?? NotRecorded} → {d.Version}");
        Row(md, "Strategy", d.Strategy);
        Row(md, "Operator", $"{d.Operator} on {d.Host}");
        Row(md, "Reason", Or(d.Reason));
        Row(md, "Change ticket", Or(d.ChangeTicket));
        if (d.FreezeOverridden is not null) Row(md, "Freeze overridden", d.FreezeOverridden);
        Row(md, "Started", Time(d.Start));
        Row(md, "Ended", Time(d.End));
        Row(md, "Duration", Duration(d.DurationSeconds));
        Row(md, "Outcome", d.Outcome);
        if (d.Error is not null) Row(md, "Error", d.Error);
        Row(md, "Deployment log", Or(d.LogPath));
        md.AppendLine();

        md.AppendLine("## Approvals").AppendLine();
        if (r.Approvals.Count == 0) md.AppendLine($"Approvals: {NotRecorded} for this deployment.");
        foreach (var a in r.Approvals)
            md.AppendLine($"- {Time(a.Time)}: {E(a.Command)} by {E(a.By)} on {E(a.Host)}: {E(a.Outcome)}" + (a.Comment is null ? "" : $" ({E(a.Comment)})"));
        md.AppendLine();

        PreChecks(md, r.PreChecks);
        Phases(md, r.Phases);
        Maintenance(md, r.Maintenance);
        Backup(md, r.Backup);
        Health(md, r.Health);
        Rollback(md, r);
        Log(md, r.Log);

        md.AppendLine("## Sign-off").AppendLine().AppendLine("| Role | Name | Date | Signature |").AppendLine("|---|---|---|---|");
        foreach (var role in SignOffRoles) md.AppendLine($"| {role} | | | |");
        md.AppendLine();
        return md.ToString();
    }

    private static void PreChecks(StringBuilder md, ReportPreChecks? p)
    {
        md.AppendLine("## Pre-deployment checklist").AppendLine();
        if (p is null) { md.AppendLine($"Pre-deployment checks: {NotRecorded} (none configured, or skipped).").AppendLine(); return; }
        md.AppendLine($"Phase: {Or(p.PhaseStatus)}; {E(Or(p.Summary))}.").AppendLine();
        if (p.Results.Count == 0) md.AppendLine($"Individual check results: {NotRecorded}.");
        foreach (var c in p.Results)
        {
            var box = c.Status is "Passed" ? "x" : " ";
            md.AppendLine($"- [{box}] **{E(c.Name)}** ({E(c.Kind)}, {E(c.Category)}): {E(c.Status)}: {E(c.Message)} ({Number(c.DurationMs)} ms)");
            var evidence = string.Join("; ", c.Evidence.Select(kv => $"{E(kv.Key)}={E(kv.Value)}"));
            md.AppendLine($"  - Evidence: target {E(c.Target)}" + (evidence.Length > 0 ? "; " + evidence : ""));
        }
        md.AppendLine();
    }

    private static void Phases(StringBuilder md, IReadOnlyList<ReportPhase> phases)
    {
        md.AppendLine("## Phases").AppendLine().AppendLine("| Phase | Status | Start | End | Duration | Detail |").AppendLine("|---|---|---|---|---|---|");
        foreach (var p in phases)
            md.AppendLine($"| {E(p.Name)} | {p.Status} | {Time(p.Start)} | {Time(p.End)} | {Duration(p.DurationSeconds)} | {E(p.Detail ?? "")} |");
        md.AppendLine();
    }

    private static void Maintenance(StringBuilder md, ReportMaintenance? m)
    {
        md.AppendLine("## Maintenance window and drain").AppendLine();
        if (m is null) { md.AppendLine($"Maintenance mode and drain: {NotRecorded} (not used by this deployment).").AppendLine(); return; }
        md.AppendLine($"- Maintenance on: {Time(m.EnteredAt)} ({E(Or(m.Mechanism))})");
        md.AppendLine($"- Maintenance off: {Time(m.ExitedAt)}" + (m.ExitOutcome is null ? "" : $" ({E(m.ExitOutcome)})"));
        md.AppendLine($"- Window: {Duration(m.DurationSeconds)}");
        if (m.Drain is { } dr)
            md.AppendLine($"- Drain: {E(dr.Outcome)} on {E(dr.Source)}: {(dr.LastCount?.ToString() ?? NotRecorded)} connection(s) left " +
                $"(threshold {(dr.Threshold?.ToString() ?? NotRecorded)}) after {Duration(dr.ElapsedSeconds)}, {(dr.Samples?.ToString() ?? NotRecorded)} sample(s)");
        else md.AppendLine($"- Drain: {NotRecorded}");
        md.AppendLine();
    }

    private static void Backup(StringBuilder md, ReportBackup? b)
    {
        md.AppendLine("## Backup and verification").AppendLine();
        if (b is null) { md.AppendLine($"Backup: {NotRecorded} (the deployment took none).").AppendLine(); return; }
        if (!b.ManifestFound) { md.AppendLine($"Backup {E(b.Id)}: its manifest is gone (deleted by retention?); details {NotRecorded}.").AppendLine(); return; }
        md.AppendLine($"- Backup {E(b.Id)} of {E(Or(b.Database))}, {Time(b.Created)}, {b.SizeBytes:N0} bytes, sha256 {E(Or(b.Sha256))}");
        md.AppendLine($"- Migration head: {E(Or(b.MigrationHead))}");
        md.AppendLine($"- Verified: {(b.Verified is { } v ? (v ? "yes" : "FAILED") + " at " + Time(b.VerifiedAt) : NotRecorded)}" +
            (b.VerificationDetails is null ? "" : $" ({E(b.VerificationDetails)})"));
        md.AppendLine().AppendLine("| Table | Rows |").AppendLine("|---|---:|");
        foreach (var (table, rows) in b.Tables) md.AppendLine($"| {E(table)} | {rows} |");
        md.AppendLine($"| **total** | **{b.TotalRows}** |").AppendLine();
    }

    private static void Health(StringBuilder md, ReportHealth? h)
    {
        md.AppendLine("## Post-deployment verification").AppendLine();
        if (h is null) { md.AppendLine($"Health watch: {NotRecorded} (no samples or decisions were recorded for this deployment).").AppendLine(); return; }
        md.AppendLine($"- Decision: {E(h.Final is null ? NotRecorded : Decision(h.Final))}");
        md.AppendLine($"- Samples: {h.Samples.Count}" + (h.Samples.Count > 0 ? $" from {Time(h.Samples[0].Time)} to {Time(h.Samples[^1].Time)}" : ""));
        md.AppendLine($"- Peak error rate: {Value("errorRate", Peak(h.Samples, s => s.ErrorRate))}; peak p95: {Value("p95", Peak(h.Samples, s => s.P95))}");
        foreach (var t in h.Thresholds) md.AppendLine($"- Threshold {E(t.Rule)}: {E(t.Signal)} {E(t.Comparison)} {Value(t.Signal, t.Value)} (from the {t.Source})");
        foreach (var d in h.Decisions)
            md.AppendLine($"- Decision record {d.Number} at {Time(d.DecidedAt)} ({E(d.Phase)}): {E(Decision(d))}" +
                (d.RollbackTriggered ? "; automatic rollback triggered" : "") + (d.RecordPath is null ? "" : $"; `{d.RecordPath}`"));
        md.AppendLine();
    }

    private static void Rollback(StringBuilder md, DeploymentReport r)
    {
        md.AppendLine("## Rollback and incident").AppendLine();
        if (r.Rollback is null && r.Incident is null) { md.AppendLine("No rollback or incident recorded for this deployment.").AppendLine(); return; }
        if (r.Rollback is { } rb)
        {
            md.AppendLine($"- Rollback by {E(rb.By)} ({E(rb.Command)}): {E(rb.Outcome)}, started {Time(rb.StartedAt)}, ended {Time(rb.EndedAt)}");
            foreach (var (k, v) in rb.Details) md.AppendLine($"  - {E(k)}: {E(v)}");
        }
        if (r.Incident is { } i)
            md.AppendLine($"- Incident report: {E(i.Path)}: {E(Or(i.Status))}, {E(Or(i.FromVersion))} → {E(Or(i.ToVersion))}, " +
                $"reason {E(Or(i.Reason))}, {Duration(i.DurationSeconds)}");
        md.AppendLine();
    }

    private static void Log(StringBuilder md, IReadOnlyList<ReportLogEntry> log)
    {
        md.AppendLine("## Deployment log (audit)").AppendLine();
        if (log.Count == 0) { md.AppendLine($"Audit lines for this deployment: {NotRecorded}.").AppendLine(); return; }
        md.AppendLine("| Time | Who | Command | Action | Outcome |").AppendLine("|---|---|---|---|---|");
        foreach (var e in log) md.AppendLine($"| {Time(e.Time)} | {E(e.User)}@{E(e.Host)} | {E(e.Command)} | {E(e.Action)} | {E(e.Outcome)} |");
        md.AppendLine();
    }

    private static void Row(StringBuilder md, string item, string value) => md.AppendLine($"| {item} | {E(value)} |");

    /// <summary>
    /// Escapes what Markdown would interpret (emphasis, links, tables, inline HTML), and folds line breaks, so a
    /// hostile string from a config or a step stays text in every Markdown viewer.
    /// </summary>
    internal static string E(string text) => Special().Replace(text.ReplaceLineEndings(" "), @"\$0");

    [GeneratedRegex(@"[\\`*_{}\[\]<>|~]")]
    private static partial Regex Special();
}
