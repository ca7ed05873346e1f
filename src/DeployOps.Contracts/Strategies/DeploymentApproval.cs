namespace DeployOps.Engine.Strategies;

/// <summary>
/// An operator's decision on what a deployment waits for: an inconclusive canary gate or the sign-off before deploying
/// (gate <c>sign-off</c>). Output of Approve-Deployment and, with <see cref="Denied"/> set, of Deny-Deployment.
/// </summary>
public sealed class DeploymentApproval
{
    /// <summary>An approval.</summary>
    public DeploymentApproval(string deploymentId, string gate, string approvedBy, string host, DateTimeOffset time, string? reason)
        : this(deploymentId, gate, approvedBy, host, time, reason, denied: false)
    {
    }

    /// <summary>An approval, or with <paramref name="denied"/> a denial.</summary>
    [System.Text.Json.Serialization.JsonConstructor]
    public DeploymentApproval(string deploymentId, string gate, string approvedBy, string host, DateTimeOffset time, string? reason, bool denied)
    {
        Denied = denied;
        DeploymentId = deploymentId;
        Gate = gate;
        ApprovedBy = approvedBy;
        Host = host;
        Time = time;
        Reason = reason;
    }

    /// <summary>The deployment whose gate was approved.</summary>
    public string DeploymentId { get; }
    /// <summary>What was decided on: <c>sign-off</c>, or the canary gate's name (e.g. <c>gate:25%</c>).</summary>
    public string Gate { get; }
    /// <summary>Who decided (approved or, with <see cref="Denied"/>, denied).</summary>
    public string ApprovedBy { get; }
    /// <summary>The machine the approval (or the pending request) came from.</summary>
    public string Host { get; }
    /// <summary>When it was approved (or, while pending, requested).</summary>
    public DateTimeOffset Time { get; }
    /// <summary>The operator's comment (-Reason / -Comment); for a pending entry, what it waits on.</summary>
    public string? Reason { get; }
    /// <summary>True for Deny-Deployment: the deployment stops (DeploymentNotApproved, or CanaryGateFailed at a gate).</summary>
    public bool Denied { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }
}
