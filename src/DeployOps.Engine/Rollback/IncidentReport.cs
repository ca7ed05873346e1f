using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Rollback;

/// <summary>Writes incident.md and incident.json: trigger, versions, backups, what was rolled back, timeline, duration.</summary>
internal static class IncidentReport
{
    public const string MarkdownFile = "incident.md";
    public const string JsonFile = "incident.json";

    public static string Write(ConfigModel config, IncidentFolder folder, DeploymentRecord record, RollbackResult result,
        IReadOnlyList<JournalEvent> timeline, string? reason, string? decisionRecordPath, string? decisionRecord)
    {
        var r = config.Redactor;
        var json = new JsonObject
        {
            ["deploymentId"] = record.Id,
            ["application"] = record.Application,
            ["environment"] = record.Environment,
            ["strategy"] = record.Strategy,
            ["status"] = result.Status.ToString(),
            ["exitCode"] = result.ExitCode,
            ["message"] = result.Message,
            ["fromVersion"] = result.FromVersion,
            ["toVersion"] = result.ToVersion,
            ["deploymentOutcomeBefore"] = record.Outcome.ToString(),
            ["deploymentError"] = record.Error,
            ["reason"] = reason,
            ["operator"] = Hosting.OperatorIdentity.Current.ToString(),
            ["start"] = result.Start.ToString("o", CultureInfo.InvariantCulture),
            ["durationSeconds"] = Math.Round(result.Duration.TotalSeconds, 3),
            ["actions"] = Array(result.Actions),
            ["migrationsCrossed"] = Array(result.MigrationsCrossed),
            ["migrationHeadBefore"] = record.MigrationHeadBefore,
            ["migrationHeadAfter"] = record.MigrationHeadAfter,
            ["backups"] = new JsonObject
            {
                ["deployment"] = result.DeploymentBackupId,
                ["preRollback"] = result.PreRollbackBackupId,
                ["restored"] = result.RestoredBackupId,
            },
            ["verified"] = result.Verified,
            ["decisionRecordPath"] = decisionRecordPath,
            ["decisionRecord"] = DecisionNode(decisionRecord),
            ["collected"] = Array(folder.Collected),
            ["collectionProblems"] = Array(folder.Problems),
            ["timeline"] = new JsonArray(timeline.Select(e => (JsonNode)new JsonObject
            {
                ["time"] = e.Time.ToString("o", CultureInfo.InvariantCulture),
                ["event"] = e.Kind.ToString(),
                ["phase"] = e.Phase,
                ["step"] = e.Step,
                ["detail"] = e.Detail ?? Describe(e.Data),
            }).ToArray()),
        };
        PrivateFiles.WriteAllText(Path.Combine(folder.Path, JsonFile), r.Redact(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Incident: rollback of {record.Application}/{record.Environment} deployment {record.Id}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Status:** {result.Status} (exit code {result.ExitCode}) — {result.Message}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Versions:** {result.FromVersion} → {result.ToVersion} ({record.Strategy}; the deployment was {record.Outcome})");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Trigger:** {reason ?? "operator request"}, by {Hosting.OperatorIdentity.Current}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Started:** {result.Start:u}; **duration:** {result.Duration.TotalSeconds:0.0} s");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Backups:** before the deployment {result.DeploymentBackupId ?? "none"}; before the rollback {result.PreRollbackBackupId ?? "none"}; restored {result.RestoredBackupId ?? "none"}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Migrations:** head {Show(record.MigrationHeadBefore)} → {Show(record.MigrationHeadAfter)}; crossed: {(result.MigrationsCrossed.Count == 0 ? "none" : string.Join(", ", result.MigrationsCrossed))}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **Verification:** {(result.Verified is null ? "skipped" : result.Verified.Value ? "passed" : "FAILED")}");
        if (record.Error is not null) md.AppendLine(CultureInfo.InvariantCulture, $"- **Deployment error:** {record.Error}");
        md.AppendLine().AppendLine("## What was rolled back").AppendLine();
        foreach (var action in result.Actions) md.AppendLine(CultureInfo.InvariantCulture, $"1. {action}");
        if (result.Actions.Count == 0) md.AppendLine("Nothing.");
        if (decisionRecord is not null)
        {
            md.AppendLine().AppendLine("## Decision record").AppendLine().AppendLine(CultureInfo.InvariantCulture, $"From `{decisionRecordPath}`:").AppendLine();
            md.AppendLine("```").AppendLine(decisionRecord.TrimEnd()).AppendLine("```");
        }
        md.AppendLine().AppendLine("## Timeline (journal)").AppendLine().AppendLine("| Time (UTC) | Event | Phase | Detail |").AppendLine("|---|---|---|---|");
        foreach (var e in timeline)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {e.Time.UtcDateTime:HH:mm:ss.fff} | {e.Kind} | {Cell(e.Phase)}{(e.Step is null ? "" : " / " + Cell(e.Step))} | {Cell(e.Detail ?? Describe(e.Data))} |");
        md.AppendLine().AppendLine("## Evidence collected").AppendLine();
        foreach (var file in folder.Collected) md.AppendLine(CultureInfo.InvariantCulture, $"- `{file}`");
        foreach (var problem in folder.Problems) md.AppendLine(CultureInfo.InvariantCulture, $"- not collected: {problem}");
        var path = Path.Combine(folder.Path, MarkdownFile);
        PrivateFiles.WriteAllText(path, r.Redact(md.ToString()));
        return path;
    }

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    private static JsonNode? DecisionNode(string? text)
    {
        if (text is null) return null;
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text); }
    }

    private static string Describe(IReadOnlyDictionary<string, string> data) => string.Join(", ", data.Select(kv => $"{kv.Key}={kv.Value}"));

    private static string Show(string? head) => head is null ? "unknown" : head.Length == 0 ? "(none)" : head;

    private static string Cell(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
