using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Security;
using DeployOps.Engine.Timing;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Pending and given approvals — of an inconclusive canary gate, and the sign-off before deploying — in the store
/// <c>state.store</c> names: the deployops_approvals table of the shared PostgreSQL store (approve from any host) or
/// files in the state directory. A waiting deployment records its pending gate and polls for the decision until the
/// timeout.
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

    /// <summary>Drops a pending entry a crashed wait left behind, once its decision was taken up.</summary>
    public Task ClearPendingAsync(string id, CancellationToken ct) => _store.ClearPendingAsync(id, ct);

    /// <summary>
    /// Records the pending entry and polls (on <paramref name="clock"/>) for a decision on <paramref name="gate"/> until
    /// <paramref name="timeout"/>: the decision, or null. <paramref name="counts"/> filters decisions (sign-off: only a
    /// listed approver's); <paramref name="waiting"/> hears the time left before each poll (progress);
    /// <paramref name="pending"/> runs once the pending entry is recorded (the sign-off's request notification: an
    /// approver told to approve must find something to approve).
    /// </summary>
    public async Task<DeploymentApproval?> WaitAsync(string id, string gate, string reason, TimeSpan timeout, CancellationToken ct,
        TimeProvider? clock = null, Func<DeploymentApproval, bool>? counts = null, Action<TimeSpan>? waiting = null,
        Func<Task>? pending = null)
    {
        clock ??= TimeProvider.System;
        var me = OperatorIdentity.Current;
        await _store.SetPendingAsync(new DeploymentApproval(id, gate, "", me.Host, clock.GetUtcNow(), reason), ct).ConfigureAwait(false);
        try
        {
            if (pending is not null) await pending().ConfigureAwait(false);
            var deadline = clock.GetUtcNow() + timeout;
            return await Poll.UntilAsync(async token =>
            {
                waiting?.Invoke(deadline - clock.GetUtcNow());
                var decision = await FindAsync(id, gate, token).ConfigureAwait(false);
                return decision is not null && (counts?.Invoke(decision) ?? true) ? decision : null;
            }, timeout, PollInterval, clock, ct).ConfigureAwait(false);
        }
        finally
        {
            // Not cancelled with the deployment: a stale pending entry would invite an approval nobody waits for.
            await _store.ClearPendingAsync(id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Records the current operator's approval (or, with <paramref name="denied"/>, denial) of <paramref name="gate"/>.</summary>
    public async Task<DeploymentApproval> DecideAsync(string id, string gate, string? comment, bool denied, CancellationToken ct)
    {
        var me = OperatorIdentity.Current;
        var decision = new DeploymentApproval(id, gate, me.User, me.Host, DateTimeOffset.UtcNow, comment, denied);
        await _store.SaveApprovalAsync(decision, ct).ConfigureAwait(false);
        return decision;
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
