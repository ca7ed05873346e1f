namespace DeployOps.Engine.Strategies;

/// <summary>An operator's approval of an inconclusive canary gate (output of Approve-Deployment).</summary>
public sealed class DeploymentApproval
{
    /// <summary>Creates an approval.</summary>
    public DeploymentApproval(string deploymentId, string gate, string approvedBy, string host, DateTimeOffset time, string? reason)
    {
        DeploymentId = deploymentId;
        Gate = gate;
        ApprovedBy = approvedBy;
        Host = host;
        Time = time;
        Reason = reason;
    }

    /// <summary>The deployment whose gate was approved.</summary>
    public string DeploymentId { get; }
    /// <summary>The canary gate, named after its traffic step (e.g. "gate:25%").</summary>
    public string Gate { get; }
    /// <summary>The user who approved it (empty while the approval is still pending).</summary>
    public string ApprovedBy { get; }
    /// <summary>The machine the approval (or the pending request) came from.</summary>
    public string Host { get; }
    /// <summary>When it was approved (or, while pending, requested).</summary>
    public DateTimeOffset Time { get; }
    /// <summary>Why the gate was inconclusive.</summary>
    public string? Reason { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }
}
