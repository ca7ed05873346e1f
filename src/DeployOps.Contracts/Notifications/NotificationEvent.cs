namespace DeployOps.Engine.Notifications;

/// <summary>What happened: the events a notification target subscribes to (<c>notifications.targets[].events</c>).</summary>
public enum NotificationEvent
{
    /// <summary>Invoke-Deployment started a deployment.</summary>
    DeploymentStarted,
    /// <summary>A deployment completed.</summary>
    DeploymentSucceeded,
    /// <summary>A deployment failed.</summary>
    DeploymentFailed,
    /// <summary>A deployment failed and was rolled back automatically.</summary>
    DeploymentRolledBack,
    /// <summary>Maintenance mode was switched on.</summary>
    MaintenanceOn,
    /// <summary>Maintenance mode was switched off.</summary>
    MaintenanceOff,
    /// <summary>The health verdict changed to Investigate.</summary>
    HealthInvestigate,
    /// <summary>The health verdict changed to Rollback.</summary>
    HealthRollback,
    /// <summary>Invoke-Rollback started.</summary>
    RollbackStarted,
    /// <summary>Invoke-Rollback finished, whether it succeeded or not (the severity says which).</summary>
    RollbackFinished,
    /// <summary>Unlock-Deployment broke another operator's deployment lock.</summary>
    LockBroken,
    /// <summary>A deployment was let through a freeze window (-OverrideFreeze).</summary>
    FreezeOverridden,
    /// <summary>An ad-hoc message from Send-DeploymentNotification (the runbooks' "post in the channel").</summary>
    Manual,
    /// <summary>Test-DeploymentConfig -TestNotifications: a clearly marked test message.</summary>
    Test,
    /// <summary>Invoke-Deployment asks for sign-off (deployment.approval), with the plan, and waits.</summary>
    ApprovalRequested,
    /// <summary>A listed approver signed the deployment off; it proceeds.</summary>
    DeploymentApproved,
    /// <summary>The sign-off was denied, timed out or cancelled; nothing was deployed.</summary>
    DeploymentNotApproved,
    /// <summary>An operator moved all traffic with Switch-DeploymentTraffic (its reason and ticket).</summary>
    TrafficSwitched,
}

/// <summary>How much a message matters; a target takes messages at or above its <c>minSeverity</c>.</summary>
public enum NotificationSeverity
{
    /// <summary>For information: nothing needs doing.</summary>
    Info,
    /// <summary>Something may need attention (an Investigate verdict, a broken lock).</summary>
    Warning,
    /// <summary>Something failed and needs someone now (a failed deployment or rollback).</summary>
    Critical,
}

/// <summary>The receiver's payload format.</summary>
public enum NotificationTargetKind
{
    /// <summary>Slack incoming webhook: <c>{"text": …, "blocks": […]}</c>.</summary>
    Slack,
    /// <summary>Mattermost incoming webhook (Slack-compatible, plus <c>props.card</c>).</summary>
    Mattermost,
    /// <summary>Microsoft Teams (Workflows / incoming webhook): a message with one Adaptive Card attachment.</summary>
    Teams,
    /// <summary>A generic JSON webhook: the event with every placeholder value as a field.</summary>
    Webhook,
    /// <summary>E-mail over SMTP.</summary>
    Email,
}
