namespace DeployOps.Engine.Notifications;

/// <summary>How sending one message to one target went (output of Send-DeploymentNotification and
/// Test-DeploymentConfig -TestNotifications). A failed send is never an error of the operation that caused it.</summary>
public sealed class NotificationResult
{
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
    public NotificationTargetKind Kind { get; }
    public NotificationEvent Event { get; }
    public NotificationSeverity Severity { get; }
    public bool Delivered { get; }
    /// <summary>How many times it was tried (1 + retries at most).</summary>
    public int Attempts { get; }
    /// <summary>Why the last attempt failed (secrets masked); null when delivered.</summary>
    public string? Error { get; }
    public DateTimeOffset Time { get; }
    /// <summary>The message's title as rendered from its template.</summary>
    public string Title { get; }
}
