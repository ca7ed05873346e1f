using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Notifications;

/// <summary>A message's wording: a title (subject, card header) and a text, with {placeholders}.</summary>
internal sealed record NotificationTemplate(string Title, string Text);

/// <summary>
/// The wording of every event: the runbooks' own phrases by default ("[INCIDENT] Deployment issue - v1.2.3",
/// "Success notification: team notified of go-live" …), replaced per event under <c>notifications.templates</c>.
/// </summary>
internal sealed partial class NotificationTemplates
{
    /// <summary>Every placeholder a template may use; an unknown one is a configuration error, not a silent blank.</summary>
    public static readonly IReadOnlyList<string> Placeholders = new[]
    {
        "application", "environment", "version", "previousVersion", "strategy", "operator", "reason", "ticket",
        "duration", "rule", "value", "threshold", "verdict", "incident", "dashboard", "deploymentId", "error",
        "message", "event", "severity", "time", "approver", "comment", "plan",
    };

    /// <summary>What a placeholder without a value renders as.</summary>
    public const string Missing = "n/a";

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();

    private static readonly Dictionary<NotificationEvent, NotificationTemplate> DefaultTexts = new()
    {
        [NotificationEvent.DeploymentStarted] = new("Deployment started: {application} {previousVersion} → {version} ({environment})",
            "{operator} is deploying {application} {version} to {environment} with {strategy}. Reason: {reason}. Change ticket: {ticket}."),
        [NotificationEvent.DeploymentSucceeded] = new("Deployment succeeded: {application} {version} is live in {environment}",
            "Success notification: team notified of go-live. {application} {previousVersion} → {version} ({strategy}) took {duration}."),
        [NotificationEvent.DeploymentFailed] = new("[INCIDENT] Deployment issue - {version}",
            "Deployment {deploymentId} of {application} {version} to {environment} failed: {error}"),
        [NotificationEvent.DeploymentRolledBack] = new("[INCIDENT] Deployment issue - {version}: rolled back",
            "Deployment {deploymentId} of {application} {version} to {environment} failed and traffic went back to {previousVersion}: {error}"),
        [NotificationEvent.MaintenanceOn] = new("Maintenance mode on: {application} ({environment})",
            "{application} in {environment} shows the maintenance page. {message}"),
        [NotificationEvent.MaintenanceOff] = new("Maintenance mode off: {application} ({environment})",
            "{application} in {environment} serves users again. {message}"),
        [NotificationEvent.HealthInvestigate] = new("Health verdict Investigate: {application} {version} ({environment})",
            "Rule {rule}: {value} against threshold {threshold}. Investigate before going on."),
        [NotificationEvent.HealthRollback] = new("[INCIDENT] Health verdict Rollback: {application} {version} ({environment})",
            "Rule {rule}: {value} against threshold {threshold}. Rolling back is recommended."),
        [NotificationEvent.RollbackStarted] = new("[INCIDENT] Rollback started: {application} {version} → {previousVersion} ({environment})",
            "{operator} is rolling back {application} in {environment}. Reason: {reason}. Incident report: {incident}"),
        [NotificationEvent.RollbackFinished] = new("Rollback finished: {application} runs {previousVersion} in {environment}",
            "{message} Investigating. Incident report: {incident}"),
        [NotificationEvent.LockBroken] = new("Deployment lock broken: {application} ({environment})",
            "{operator} broke the deployment lock. {message} Reason: {reason}"),
        [NotificationEvent.FreezeOverridden] = new("Change freeze overridden: {application} {version} ({environment})",
            "{operator} deploys during the freeze {message}. Reason: {reason}. Change ticket: {ticket}."),
        [NotificationEvent.Manual] = new("Deployment notice: {application} ({environment})", "{message}"),
        [NotificationEvent.Test] = new("[TEST] DeployOps notification test: {application} ({environment})",
            "This is a test message sent by {operator} with Test-DeploymentConfig -TestNotifications. No deployment is running; nothing needs doing."),
        [NotificationEvent.ApprovalRequested] = new("Sign-off requested: {application} {previousVersion} → {version} ({environment})",
            "{operator} asks for sign-off from the production owner before deploying {application} {version} to {environment}. {message} " +
            "Plan: {plan}. Reason: {reason}. Change ticket: {ticket}."),
        [NotificationEvent.DeploymentApproved] = new("Sign-off obtained: {application} {version} ({environment}) approved by {approver}",
            "Sign-off obtained: {approver} confirms readiness of deployment {deploymentId}. Comment: {comment}. Deploying now."),
        [NotificationEvent.DeploymentNotApproved] = new("Deployment not approved: {application} {version} ({environment})",
            "Deployment {deploymentId} of {application} {version} to {environment} was not deployed: {message} Comment: {comment}."),
        [NotificationEvent.TrafficSwitched] = new("Traffic switched: {application} ({environment})",
            "{operator} switched all traffic of {application} in {environment}: {message}. Reason: {reason}. Change ticket: {ticket}."),
    };

    private readonly Dictionary<NotificationEvent, NotificationTemplate> _templates;

    private NotificationTemplates(Dictionary<NotificationEvent, NotificationTemplate> templates) => _templates = templates;

    public static NotificationTemplates Defaults { get; } = new(DefaultTexts);

    public NotificationTemplate For(NotificationEvent @event) => _templates[@event];

    /// <summary>Fills the placeholders; one without a value reads <see cref="Missing"/>.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string?> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var v) && !string.IsNullOrWhiteSpace(v) ? v : Missing);

    /// <summary><c>templates: { deploymentFailed: { title: …, text: … } }</c>; a missing title or text keeps the default.</summary>
    internal static NotificationTemplates Read(ConfigMap notifications)
    {
        var named = notifications.NamedMaps("templates");
        if (named.Count == 0) return Defaults;
        var templates = new Dictionary<NotificationEvent, NotificationTemplate>(DefaultTexts);
        foreach (var (key, entry) in named)
        {
            if (!Enum.TryParse<NotificationEvent>(key, ignoreCase: true, out var @event) || int.TryParse(key, out _))
            {
                entry.ErrorHere($"unknown event '{key}'; expected one of {string.Join(", ", Enum.GetValues<NotificationEvent>().Select(NotificationTarget.Camel))}");
                continue;
            }
            var title = Checked(entry, "title");
            var text = Checked(entry, "text");
            entry.Finish();
            templates[@event] = new NotificationTemplate(title ?? DefaultTexts[@event].Title, text ?? DefaultTexts[@event].Text);
        }
        return new NotificationTemplates(templates);
    }

    private static string? Checked(ConfigMap entry, string key)
    {
        var text = entry.String(key);
        if (text is null) return null;
        foreach (Match m in Placeholder().Matches(text))
            if (!Placeholders.Contains(m.Groups[1].Value))
                entry.Error(key, $"unknown placeholder {m.Value}; known: {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))}");
        return text;
    }
}
