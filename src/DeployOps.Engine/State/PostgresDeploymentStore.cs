using DeployOps.Engine.Audit;

namespace DeployOps.Engine.State;

internal sealed class PostgresDeploymentStore : IDeploymentStore
{
    public PostgresDeploymentStore(StateSettings state, string application, string environment, Redactor redactor)
    {
        Application = application;
        Environment = environment;
        Location = state.Postgres?.Display ?? "";
    }

    public string Application { get; }
    public string Environment { get; }
    public string Location { get; }

    public Task<IDeploymentLock> AcquireLockAsync(string deploymentId, CancellationToken ct) => throw new NotImplementedException();
    public Task<LockInfo?> GetLockAsync(CancellationToken ct) => throw new NotImplementedException();
    public Task<LockInfo> BreakLockAsync(bool force, CancellationToken ct) => throw new NotImplementedException();
    public Task<JournalEvent> AppendAsync(string deploymentId, JournalEvent entry, CancellationToken ct) => throw new NotImplementedException();
    public Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(string deploymentId, CancellationToken ct) => throw new NotImplementedException();
    public Task<DeploymentRecord?> GetAsync(string deploymentId, CancellationToken ct) => throw new NotImplementedException();
    public Task<IReadOnlyList<DeploymentRecord>> ListAsync(HistoryQuery query, CancellationToken ct) => throw new NotImplementedException();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
