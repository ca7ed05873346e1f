namespace DeployOps.Engine.Strategies;

/// <summary>
/// Where canary approvals live: files in the state directory (<c>state.store: file</c>, one host) or the
/// deployops_approvals table of the shared PostgreSQL store, so Approve-Deployment works from any host that shares it.
/// A deployment waiting on a gate has one pending entry; an approval is kept per deployment and gate.
/// </summary>
internal interface IApprovalStore : IAsyncDisposable
{
    /// <summary>Where approvals are kept, safe to show.</summary>
    string ApprovalLocation { get; }
    Task<DeploymentApproval?> FindApprovalAsync(string deploymentId, string gate, CancellationToken ct);
    Task<DeploymentApproval?> FindPendingAsync(string deploymentId, CancellationToken ct);
    /// <summary>Replaces the deployment's pending entry (it waits on one gate at a time).</summary>
    Task SetPendingAsync(DeploymentApproval pending, CancellationToken ct);
    Task ClearPendingAsync(string deploymentId, CancellationToken ct);
    Task SaveApprovalAsync(DeploymentApproval approval, CancellationToken ct);
}
