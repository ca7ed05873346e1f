using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Pending and given canary approvals in the store <c>state.store</c> names: the deployops_approvals table of the
/// shared PostgreSQL store (approve from any host) or files in the state directory. A waiting deployment records its
/// pending gate and polls for the approval until the timeout.
/// </summary>
internal sealed class CanaryApprovals : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly IApprovalStore _store;

    private CanaryApprovals(IApprovalStore store) => _store = store;

    public static CanaryApprovals Open(ConfigModel config) => new(config.State.Store == StateStoreKind.Postgres
        ? new PostgresDeploymentStore(config.State, config.Application, config.Environment, config.Redactor)
        : new FileApprovalStore(config));

    public string Location => _store.ApprovalLocation;

    public Task<DeploymentApproval?> FindAsync(string id, string gate, CancellationToken ct) => _store.FindApprovalAsync(id, gate, ct);

    public Task<DeploymentApproval?> PendingAsync(string id, CancellationToken ct) => _store.FindPendingAsync(id, ct);

    public async Task<DeploymentApproval?> WaitAsync(string id, string gate, string reason, TimeSpan timeout, CancellationToken ct)
    {
        var me = OperatorIdentity.Current;
        await _store.SetPendingAsync(new DeploymentApproval(id, gate, "", me.Host, DateTimeOffset.UtcNow, reason), ct).ConfigureAwait(false);
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (await FindAsync(id, gate, ct).ConfigureAwait(false) is { } approval) return approval;
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
            return await FindAsync(id, gate, ct).ConfigureAwait(false);
        }
        finally
        {
            // Not cancelled with the deployment: a stale pending entry would invite an approval nobody waits for.
            await _store.ClearPendingAsync(id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async Task<DeploymentApproval> ApproveAsync(string id, string gate, string? reason, CancellationToken ct)
    {
        var me = OperatorIdentity.Current;
        var approval = new DeploymentApproval(id, gate, me.User, me.Host, DateTimeOffset.UtcNow, reason);
        await _store.SaveApprovalAsync(approval, ct).ConfigureAwait(false);
        return approval;
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
