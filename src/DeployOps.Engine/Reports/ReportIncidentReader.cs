using System.Text.Json.Nodes;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;

namespace DeployOps.Engine.Reports;

/// <summary>The incident report (incident.json) the rollback of this deployment wrote, if any.</summary>
internal static class ReportIncidentReader
{
    public static ReportIncident? Read(ConfigModel config, string id, ReportRollback? rollback, IOutputSink sink)
    {
        // The rollback's audit line names the folder (it gets a time suffix when the deployment already had one).
        var folder = rollback?.Details.GetValueOrDefault("incident") ?? Path.Combine(config.Rollback.IncidentDirectory, id);
        var path = Path.Combine(folder, IncidentReport.JsonFile);
        if (!File.Exists(path)) return null;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new System.Text.Json.JsonException("empty file");
            return new ReportIncident(Path.Combine(folder, IncidentReport.MarkdownFile), Text(json, "status"), Text(json, "reason"),
                Text(json, "message"), Text(json, "fromVersion"), Text(json, "toVersion"), json["durationSeconds"]?.GetValue<double>());
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            sink.WriteWarning($"Incident report {path} unreadable, reported as not recorded: {ex.Message}");
            return null;
        }
    }

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
