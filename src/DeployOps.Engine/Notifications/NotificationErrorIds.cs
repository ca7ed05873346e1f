namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>Send-DeploymentNotification or -TestNotifications, but the configuration has no notifications.targets.</summary>
    public const string NotificationsNotConfigured = "NotificationsNotConfigured";
    /// <summary>-Target names no entry of notifications.targets.</summary>
    public const string NotificationTargetNotFound = "NotificationTargetNotFound";
    /// <summary>An ad-hoc or test message was not delivered to a target after its retries (an event's message never errors).</summary>
    public const string NotificationNotDelivered = "NotificationNotDelivered";
}
