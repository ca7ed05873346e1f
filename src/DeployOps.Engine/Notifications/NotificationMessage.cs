namespace DeployOps.Engine.Notifications;

/// <summary>One rendered message, already redacted: what every payload format is built from.</summary>
internal sealed class NotificationMessage
{
    /// <summary>The labelled facts a card or e-mail lists under the text, in this order (only those with a value).</summary>
    private static readonly (string Key, string Label)[] FactKeys =
    {
        ("application", "Application"), ("environment", "Environment"), ("version", "Version"),
        ("previousVersion", "Previous version"), ("strategy", "Strategy"), ("operator", "Operator"), ("reason", "Reason"),
        ("ticket", "Change ticket"), ("duration", "Duration"), ("verdict", "Verdict"), ("rule", "Rule"), ("value", "Value"),
        ("threshold", "Threshold"), ("deploymentId", "Deployment"), ("incident", "Incident report"),
        ("approver", "Approver"), ("comment", "Comment"),
    };

    public required NotificationEvent Event { get; init; }
    public required NotificationSeverity Severity { get; init; }
    public required string Title { get; init; }
    public required string Text { get; init; }
    public required DateTimeOffset Time { get; init; }
    /// <summary>Every placeholder with a value (redacted), for the generic webhook's fields.</summary>
    public required IReadOnlyDictionary<string, string> Values { get; init; }
    public string? DashboardUrl { get; init; }
    public bool IsTest => Event == NotificationEvent.Test;

    public IReadOnlyList<(string Label, string Value)> Facts =>
        FactKeys.Where(f => Values.TryGetValue(f.Key, out var v) && v.Length > 0).Select(f => (f.Label, Values[f.Key])).ToList();

    /// <summary>How much each event matters when the caller does not say (a channel with minSeverity: critical
    /// gets failures, rollbacks and the Rollback verdict only).</summary>
    public static NotificationSeverity DefaultSeverity(NotificationEvent @event) => @event switch
    {
        NotificationEvent.DeploymentFailed or NotificationEvent.DeploymentRolledBack or NotificationEvent.HealthRollback
            or NotificationEvent.RollbackStarted => NotificationSeverity.Critical,
        NotificationEvent.MaintenanceOn or NotificationEvent.HealthInvestigate or NotificationEvent.RollbackFinished
            or NotificationEvent.LockBroken or NotificationEvent.FreezeOverridden or NotificationEvent.ApprovalRequested
            or NotificationEvent.DeploymentNotApproved or NotificationEvent.TrafficSwitched => NotificationSeverity.Warning,
        _ => NotificationSeverity.Info,
    };
}
