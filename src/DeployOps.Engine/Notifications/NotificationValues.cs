using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Notifications;

/// <summary>The placeholder values each engine event fills in (see <see cref="NotificationTemplates.Placeholders"/>).</summary>
internal static class NotificationValues
{
    public static Dictionary<string, string?> Of(DeploymentRun run, DeploymentRecord? record) => new()
    {
        ["deploymentId"] = run.Id,
        ["version"] = run.Version,
        ["previousVersion"] = run.PreviousVersion,
        ["strategy"] = run.Strategy.ToString(),
        ["duration"] = record?.Duration is { } d ? ValueParsers.FormatDuration(d) : null,
        ["error"] = record?.Error,
    };

    public static Dictionary<string, string?> Maintenance(string mechanism, MaintenanceInfo? info) => new()
    {
        ["message"] = info is null ? $"({mechanism})" : $"Reason: {info.Reason} ({mechanism}, by {info.By})",
        ["reason"] = info?.Reason,
        ["deploymentId"] = info?.DeploymentId,
    };

    public static Dictionary<string, string?> Decision(HealthDecision decision) => new()
    {
        ["deploymentId"] = decision.DeploymentId,
        ["verdict"] = decision.Verdict.ToString(),
        ["rule"] = decision.Rule,
        ["value"] = decision.Value is { } v ? Number(v) : null,
        ["threshold"] = decision.Threshold is { } t ? $"{decision.Comparison} {Number(t)}".Trim() : null,
        ["incident"] = decision.RecordPath,
    };

    public static Dictionary<string, string?> Rollback(DeploymentRecord record, string toVersion, string? reason, string? message,
        string? incidentReport) => new()
    {
        ["deploymentId"] = record.Id,
        // The version being undone and the one restored, as the templates' "{version} → {previousVersion}".
        ["version"] = record.Version,
        ["previousVersion"] = toVersion,
        ["strategy"] = record.Strategy,
        ["reason"] = reason ?? "operator request",
        ["message"] = message,
        ["incident"] = incidentReport,
    };

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
