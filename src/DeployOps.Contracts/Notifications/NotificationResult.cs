namespace DeployOps.Engine.Notifications;

/// <summary>How sending one message to one target went (output of Send-DeploymentNotification and
/// Test-DeploymentConfig -TestNotifications). A failed send is never an error of the operation that caused it.</summary>
public sealed class NotificationResult
{
    /// <summary>Creates a delivery result.</summary>
    public NotificationResult(string target, NotificationTargetKind kind, NotificationEvent @event, NotificationSeverity severity,
        bool delivered, int attempts, string? error, DateTimeOffset time, string title)
    {
        Target = target;
        Kind = kind;
        Event = @event;
        Severity = severity;
        Delivered = delivered;
        Attempts = attempts;
        Error = error;
        Time = time;
        Title = title;
    }

    /// <summary>The target's name in <c>notifications.targets</c>.</summary>
    public string Target { get; }
    /// <summary>The target's payload format (Slack, Teams, e-mail …).</summary>
    public NotificationTargetKind Kind { get; }
    /// <summary>The event the message was about.</summary>
    public NotificationEvent Event { get; }
    /// <summary>The message's severity.</summary>
    public NotificationSeverity Severity { get; }
    /// <summary>True when the receiver accepted the message.</summary>
    public bool Delivered { get; }
    /// <summary>How many times it was tried (1 + retries at most).</summary>
    public int Attempts { get; }
    /// <summary>Why the last attempt failed (secrets masked); null when delivered.</summary>
    public string? Error { get; }
    /// <summary>When the last attempt ended.</summary>
    public DateTimeOffset Time { get; }
    /// <summary>The message's title as rendered from its template.</summary>
    public string Title { get; }
}
