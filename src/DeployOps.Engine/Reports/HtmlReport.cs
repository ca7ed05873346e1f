using System.Text;
using static System.Net.WebUtility;
using static DeployOps.Engine.Reports.ReportText;

namespace DeployOps.Engine.Reports;

/// <summary>
/// The report as one self-contained HTML page (inline CSS and SVG, no script, no external resource), printable for
/// signing. Every recorded string is HTML-encoded where it is written, so a hostile config or step output stays text.
/// </summary>
internal static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
        h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:28px}
        table{border-collapse:collapse;margin:8px 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f0f0f0}.nr{color:#888;font-style:italic}.Passed,.Succeeded,.Healthy{color:#1e8449;font-weight:bold}
        .Failed,.Rollback,.RolledBack,.Critical{color:#c0392b;font-weight:bold}.Warning,.Investigate,.Inconclusive{color:#b9770e;font-weight:bold}
        .decision{font-size:16px;padding:8px;border-left:4px solid #8e44ad;background:#f7f1fa}
        .sign td{height:36px;min-width:180px}small{color:#666}
        """;

    public static string Render(DeploymentReport r)
    {
        var d = r.Deployment;
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
         .Append("<title>").Append(E($"Deployment report: {d.Application}/{d.Environment} {d.Version}")).Append("</title>")
         .Append("<style>").Append(Style).Append("</style></head><body>");
        h.Append("<h1>").Append(E($"Deployment report: {d.Application}/{d.Environment} {d.Version}")).Append("</h1>")
         .Append("<small>").Append(E($"Generated {Time(r.GeneratedAt)} from the records DeployOps keeps; \"{NotRecorded}\" marks what was not recorded.")).Append("</small>");

        Section(h, "Deployment information");
        h.Append("<table id=\"deployment\">");
        Row(h, "Deployment id", d.Id);
        Row(h, "Application / environment", $"{d.Application} / {d.Environment}");
        h.Append("<tr><th>Version</th><td><span id=\"previous-version\">").Append(E(d.PreviousVersion ?? NotRecorded))
         .Append("</span> → <span id=\"version\">").Append(E(d.Version)).Append("</span></td></tr>");
        Row(h, "Strategy", d.Strategy);
        Row(h, "Operator", $"{d.Operator} on {d.Host}");
        Row(h, "Reason", d.Reason);
        Row(h, "Change ticket", d.ChangeTicket);
        if (d.FreezeOverridden is not null) Row(h, "Freeze overridden", d.FreezeOverridden);
        Row(h, "Started", Time(d.Start));
        Row(h, "Ended", Time(d.End));
        Row(h, "Duration", Duration(d.DurationSeconds));
        h.Append("<tr><th>Outcome</th><td class=\"").Append(E(d.Outcome)).Append("\">").Append(E(d.Outcome)).Append("</td></tr>");
        if (d.Error is not null) Row(h, "Error", d.Error);
        Row(h, "Deployment log", d.LogPath);
        h.Append("</table>");

        Section(h, "Approvals");
        if (r.Approvals.Count == 0) Missing(h, $"Approvals: {NotRecorded} for this deployment.");
        else Table(h, new[] { "Time", "By", "Host", "Command", "Outcome", "Comment" },
            r.Approvals.Select(a => new[] { Time(a.Time), a.By, a.Host, a.Command, a.Outcome, a.Comment ?? "" }));

        PreChecks(h, r.PreChecks);
        Section(h, "Phases");
        Table(h, new[] { "Phase", "Status", "Start", "End", "Duration", "Detail" },
            r.Phases.Select(p => new[] { p.Name, p.Status, Time(p.Start), Time(p.End), Duration(p.DurationSeconds), p.Detail ?? "" }), statusColumn: 1);
        Maintenance(h, r.Maintenance);
        Backup(h, r.Backup);
        Health(h, r);
        Rollback(h, r);

        Section(h, "Deployment log (audit)");
        if (r.Log.Count == 0) Missing(h, $"Audit lines for this deployment: {NotRecorded}.");
        else Table(h, new[] { "Time", "Who", "Command", "Action", "Outcome" },
            r.Log.Select(e => new[] { Time(e.Time), $"{e.User}@{e.Host}", e.Command, e.Action, e.Outcome }));

        Section(h, "Sign-off");
        h.Append("<table class=\"sign\"><tr><th>Role</th><th>Name</th><th>Date</th><th>Signature</th></tr>");
        foreach (var role in SignOffRoles) h.Append("<tr><th>").Append(E(role)).Append("</th><td></td><td></td><td></td></tr>");
        h.Append("</table></body></html>\n");
        return h.ToString();
    }

    private static void PreChecks(StringBuilder h, ReportPreChecks? p)
    {
        Section(h, "Pre-deployment checklist");
        if (p is null) { Missing(h, $"Pre-deployment checks: {NotRecorded} (none configured, or skipped)."); return; }
        h.Append("<p>").Append(E($"Phase: {Or(p.PhaseStatus)}; {Or(p.Summary)}.")).Append("</p>");
        if (p.Results.Count == 0) { Missing(h, $"Individual check results: {NotRecorded}."); return; }
        Table(h, new[] { "Check", "Status", "Result", "Evidence" }, p.Results.Select(c => new[]
        {
            $"{c.Name} ({c.Kind}, {c.Category})", c.Status, $"{c.Message} ({Number(c.DurationMs)} ms)",
            string.Join("; ", new[] { $"target {c.Target}" }.Concat(c.Evidence.Select(kv => $"{kv.Key}={kv.Value}"))),
        }), statusColumn: 1);
    }

    private static void Maintenance(StringBuilder h, ReportMaintenance? m)
    {
        Section(h, "Maintenance window and drain");
        if (m is null) { Missing(h, $"Maintenance mode and drain: {NotRecorded} (not used by this deployment)."); return; }
        h.Append("<table>");
        Row(h, "Maintenance on", $"{Time(m.EnteredAt)} ({Or(m.Mechanism)})");
        Row(h, "Maintenance off", Time(m.ExitedAt) + (m.ExitOutcome is null ? "" : $" ({m.ExitOutcome})"));
        Row(h, "Window", Duration(m.DurationSeconds));
        Row(h, "Drain", m.Drain is { } dr
            ? $"{dr.Outcome} on {dr.Source}: {dr.LastCount?.ToString() ?? NotRecorded} connection(s) left (threshold {dr.Threshold?.ToString() ?? NotRecorded}) after {Duration(dr.ElapsedSeconds)}, {dr.Samples?.ToString() ?? NotRecorded} sample(s)"
            : null);
        h.Append("</table>");
    }

    private static void Backup(StringBuilder h, ReportBackup? b)
    {
        Section(h, "Backup and verification");
        if (b is null) { Missing(h, $"Backup: {NotRecorded} (the deployment took none)."); return; }
        if (!b.ManifestFound) { Missing(h, $"Backup {b.Id}: its manifest is gone (deleted by retention?); details {NotRecorded}."); return; }
        h.Append("<table>");
        Row(h, "Backup", $"{b.Id} of {Or(b.Database)}, {Time(b.Created)}, {b.SizeBytes:N0} bytes");
        Row(h, "SHA-256", b.Sha256);
        Row(h, "Migration head", b.MigrationHead);
        Row(h, "Verified", b.Verified is { } v ? (v ? "yes" : "FAILED") + " at " + Time(b.VerifiedAt) + (b.VerificationDetails is null ? "" : $" ({b.VerificationDetails})") : null);
        h.Append("</table>");
        Table(h, new[] { "Table", "Rows" }, b.Tables.Select(t => new[] { t.Key, t.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            .Append(new[] { "total", (b.TotalRows ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) }));
    }

    private static void Health(StringBuilder h, DeploymentReport r)
    {
        Section(h, "Post-deployment verification");
        if (r.Health is not { } health) { Missing(h, $"Health watch: {NotRecorded} (no samples or decisions were recorded for this deployment)."); return; }
        h.Append("<p class=\"decision\" id=\"decision\">Decision: <span class=\"").Append(E(health.Final?.Verdict ?? "")).Append("\">")
         .Append(E(health.Final is null ? NotRecorded : Decision(health.Final))).Append("</span></p>");
        h.Append("<p>").Append(E($"{health.Samples.Count} sample(s); peak error rate {Value("errorRate", Peak(health.Samples, s => s.ErrorRate))}, " +
            $"peak p95 {Value("p95", Peak(health.Samples, s => s.P95))}.")).Append("</p>");
        if (health.Thresholds.Count > 0)
            Table(h, new[] { "Rule", "Signal", "Threshold", "From" },
                health.Thresholds.Select(t => new[] { t.Rule, t.Signal, $"{t.Comparison} {Value(t.Signal, t.Value)}", t.Source }));
        h.Append("<figure id=\"health-chart\">").Append(HealthChart.Render(health, r.Rollback)).Append("</figure>");
        if (health.Decisions.Count > 0)
            Table(h, new[] { "Record", "Decided", "Phase", "Decision", "Rollback triggered" }, health.Decisions.Select(d => new[]
                { d.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), Time(d.DecidedAt), d.Phase, Decision(d), d.RollbackTriggered ? "yes" : "no" }));
        Table(h, new[] { "#", "Time", "Elapsed", "Phase", "Verdict", "Error rate", "p95", "Requests" }, health.Samples.Select(s => new[]
        {
            s.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), Time(s.Time), Duration(s.ElapsedSeconds), s.Phase, s.Verdict,
            Value("errorRate", s.ErrorRate), Value("p95", s.P95), s.Requests is { } q ? Number(q) : NotRecorded,
        }), statusColumn: 4, id: "samples");
    }

    private static void Rollback(StringBuilder h, DeploymentReport r)
    {
        Section(h, "Rollback and incident");
        if (r.Rollback is null && r.Incident is null) { Missing(h, "No rollback or incident recorded for this deployment."); return; }
        h.Append("<table id=\"rollback\">");
        if (r.Rollback is { } rb)
        {
            Row(h, "Rollback", $"{rb.Outcome} by {rb.By} ({rb.Command})");
            Row(h, "Started", Time(rb.StartedAt));
            Row(h, "Ended", Time(rb.EndedAt));
            foreach (var (k, v) in rb.Details) Row(h, k, v);
        }
        if (r.Incident is { } i)
            Row(h, "Incident report", $"{i.Path}: {Or(i.Status)}, {Or(i.FromVersion)} → {Or(i.ToVersion)}, reason {Or(i.Reason)}, {Duration(i.DurationSeconds)}");
        h.Append("</table>");
    }

    private static void Section(StringBuilder h, string title) => h.Append("<h2>").Append(E(title)).Append("</h2>");

    private static void Missing(StringBuilder h, string text) => h.Append("<p class=\"nr\">").Append(E(text)).Append("</p>");

    private static void Row(StringBuilder h, string item, string? value) =>
        h.Append("<tr><th>").Append(E(item)).Append("</th>").Append(value is null ? $"<td class=\"nr\">{NotRecorded}</td>" : $"<td>{E(value)}</td>").Append("</tr>");

    private static void Table(StringBuilder h, string[] headers, IEnumerable<string[]> rows, int statusColumn = -1, string? id = null)
    {
        h.Append(id is null ? "<table>" : $"<table id=\"{E(id)}\">").Append("<tr>");
        foreach (var header in headers) h.Append("<th>").Append(E(header)).Append("</th>");
        h.Append("</tr>");
        foreach (var row in rows)
        {
            h.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
                h.Append(i == statusColumn ? $"<td class=\"{E(row[i])}\">" : "<td>").Append(E(row[i])).Append("</td>");
            h.Append("</tr>");
        }
        h.Append("</table>");
    }

    private static string E(string text) => HtmlEncode(text);
}
