namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers of deployments, steps and traffic switching (public contract: never rename).</summary>
public static partial class ErrorIds
{
    // Traffic
    public const string TrafficNotConfigured = "TrafficNotConfigured";
    public const string TrafficTargetUnreachable = "TrafficTargetUnreachable";
    public const string TrafficConfigInvalid = "TrafficConfigInvalid";
    public const string TrafficReloadFailed = "TrafficReloadFailed";
    public const string TrafficNotConfirmed = "TrafficNotConfirmed";
    public const string TrafficRestoreFailed = "TrafficRestoreFailed";
    /// <summary>The router (nginx) is not running: there was nothing to reload.</summary>
    public const string RouterUnavailable = "RouterUnavailable";
    public const string SlotNotFound = "SlotNotFound";

    // Steps
    public const string DeploymentStepFailed = "DeploymentStepFailed";
    public const string SmokeTestFailed = "SmokeTestFailed";

    // Strategies
    public const string DeploymentNotConfigured = "DeploymentNotConfigured";
    public const string DeploymentVerificationFailed = "DeploymentVerificationFailed";
    public const string CanaryGateFailed = "CanaryGateFailed";
    public const string CanaryApprovalTimedOut = "CanaryApprovalTimedOut";
    public const string ApprovalNotPending = "ApprovalNotPending";
    public const string RollingFailureBudgetExceeded = "RollingFailureBudgetExceeded";
}
