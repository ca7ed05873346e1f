using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.State;

/// <summary>Opens the deployment store a configuration names in <c>state.store</c>.</summary>
internal static class DeploymentStore
{
    public static IDeploymentStore Open(ConfigModel config) =>
        Open(config.State, config.Application, config.Environment, config.Redactor);

    public static IDeploymentStore Open(StateSettings state, string application, string environment, Redactor redactor) =>
        state.Store switch
        {
            StateStoreKind.Postgres => new PostgresDeploymentStore(state, application, environment, redactor),
            _ => new FileDeploymentStore(state, application, environment, redactor),
        };

    /// <summary>Deployments whose process died or stopped before the end, newest first.</summary>
    public static Task<IReadOnlyList<DeploymentRecord>> FindInterruptedAsync(this IDeploymentStore store, CancellationToken ct) =>
        store.ListAsync(new HistoryQuery { Outcomes = new[] { DeploymentOutcome.Interrupted } }, ct);
}
