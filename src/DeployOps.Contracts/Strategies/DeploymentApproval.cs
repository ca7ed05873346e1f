namespace DeployOps.Engine.Strategies;

/// <summary>An operator's approval of an inconclusive canary gate (output of Approve-Deployment).</summary>
public sealed class DeploymentApproval
{
    public DeploymentApproval(string deploymentId, string gate, string approvedBy, string host, DateTimeOffset time, string? reason)
    {
        DeploymentId = deploymentId;
        Gate = gate;
        ApprovedBy = approvedBy;
        Host = host;
        Time = time;
        Reason = reason;
    }

    public string DeploymentId { get; }
    public string Gate { get; }
    public string ApprovedBy { get; }
    public string Host { get; }
    public DateTimeOffset Time { get; }
    /// <summary>Why the gate was inconclusive.</summary>
    public string? Reason { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }
}
