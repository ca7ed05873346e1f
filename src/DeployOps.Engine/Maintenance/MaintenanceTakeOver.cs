using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Maintenance;

internal static partial class MaintenanceMode
{
    /// <summary>
    /// Maintenance for work that may follow an interrupted run (a rollback, a resumed or forced deployment). When
    /// every mechanism is already on — typically the window a killed deployment left — the window is taken over as it
    /// is: nothing is re-entered or drained (users already see the page) and a failure can never switch it off before
    /// the work ran. Otherwise this is <see cref="BeginScopeAsync"/>. Either way the scope is left as usual.
    /// </summary>
    public static async Task<MaintenanceScope> TakeOverScopeAsync(ConfigModel config, string reason, string? deploymentId,
        IOutputSink sink, CancellationToken cancellationToken, string command)
    {
        var state = State(config, await ReadAllAsync(config, Mechanisms(config), sink, cancellationToken).ConfigureAwait(false), null);
        if (state.Status != MaintenanceStatus.On)
            return await BeginScopeAsync(config, reason, deploymentId, sink, cancellationToken, command).ConfigureAwait(false);
        var details = new Dictionary<string, string> { ["reason"] = reason, ["windowReason"] = state.Reason ?? "" };
        if (state.Since is { } since) details["since"] = since.ToString("o", CultureInfo.InvariantCulture);
        if (state.DeploymentId is { } owner) details["windowDeploymentId"] = owner;
        AuditLog.For(config).Write(command, "take over maintenance", $"{config.Application}/{config.Environment}", "TakenOver", details, deploymentId);
        sink.WriteVerbose(config.Redactor.Redact(
            $"Maintenance is already on (since {state.Since:o}{(state.DeploymentId is null ? "" : ", opened by " + state.DeploymentId)}): taken over for {reason}"));
        return new MaintenanceScope(config, state, deploymentId, command, sink, RenewableRedis(config));
    }
}
