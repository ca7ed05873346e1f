using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Rollback;

/// <summary>
/// Maintenance around a rollback, so users see the application or the maintenance page — never the dead app in
/// between. An in-place rollback (a hotfix: the old version replaces the new one where users reach it) enters
/// maintenance (page and drain) when the deployment did (<c>deployment.maintenance</c>, or a hotfix with
/// <c>hotfix.maintenance</c>); a window the undone deployment left on (it was interrupted, or failed with the app
/// down) is taken over, whatever the strategy. The window is left only after the restored version passed its
/// verification; a failed rollback keeps it on (reported as <see cref="RollbackResult.MaintenanceLeftOn"/>), unless
/// it changed nothing and the application serves.
/// </summary>
internal sealed class RollbackMaintenance : IAsyncDisposable
{
    public const string PhaseName = RollbackPlan.Prefix + "maintenance";
    private readonly ConfigModel _config;
    private readonly DeploymentRecord _record;
    private readonly DeploymentStrategy _strategy;
    private MaintenanceScope? _scope;

    private RollbackMaintenance(ConfigModel config, DeploymentRecord record, DeploymentStrategy strategy, bool takesOver)
    {
        _config = config;
        _record = record;
        _strategy = strategy;
        TakesOver = takesOver;
    }

    /// <summary>The window the undone deployment opened is still on: the rollback owns it now.</summary>
    public bool TakesOver { get; }
    public bool Held => _scope is not null;
    /// <summary>After <see cref="LeaveAsync"/>: maintenance is still on because the rollback failed.</summary>
    public bool LeftOn { get; private set; }

    /// <summary>Null when the rollback runs without maintenance.</summary>
    public static async Task<RollbackMaintenance?> PlanAsync(ConfigModel config, DeploymentRecord record, DeploymentStrategy strategy,
        IOutputSink sink, CancellationToken ct)
    {
        if (!config.Maintenance.HasMechanism) return null;
        var state = await MaintenanceMode.GetStateAsync(config, sink, ct).ConfigureAwait(false);
        var takesOver = state.IsOn && state.DeploymentId == record.Id;
        var inPlace = strategy == DeploymentStrategy.Hotfix && (config.Deployment.Hooks.Maintenance || config.Deployment.HotfixMaintenance);
        return takesOver || inPlace ? new RollbackMaintenance(config, record, strategy, takesOver) : null;
    }

    public string Action => TakesOver
        ? $"Take over the maintenance window deployment {_record.Id} left on"
        : "Enter maintenance (page, then drain) before the old version replaces the new one";

    public IReadOnlyList<string> Details => new[]
    {
        "left only after rollback:verify passes; a failed rollback keeps the maintenance page on",
        "with -IncludeDatabase: the database is restored first, then the old version started",
    };

    public async Task<string?> EnterAsync(string command, IOutputSink sink, CancellationToken ct)
    {
        _scope = await MaintenanceMode.TakeOverScopeAsync(_config, $"rollback of {_record.Id} ({_record.Version})", _record.Id, sink, ct, command)
            .ConfigureAwait(false);
        return TakesOver ? $"took over the window of {_record.Id}" : $"maintenance on ({_scope.Entered.Status})";
    }

    /// <summary>
    /// Success leaves maintenance. Failure keeps it on — unless nothing was changed and the application answers, when
    /// the scope's usual failure rule (<c>maintenance.stayOnFailure</c>) applies.
    /// </summary>
    public async Task LeaveAsync(bool succeeded, bool changedSomething)
    {
        if (_scope is not { } scope) return;
        if (succeeded) scope.Complete();
        else
        {
            var targets = ServingCheck.InPlaceTargets(_config.Deployment, _strategy, _record.Fields.GetValueOrDefault(DeploymentEngine.TargetSlotField));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var serving = !changedSomething && await ServingCheck.AllServingAsync(targets, _config.Deployment.ReadinessPath, timeout.Token).ConfigureAwait(false);
            if (serving) scope.Fail($"rollback of {_record.Id} failed before changing anything");
            else scope.KeepOn($"rollback of {_record.Id} did not restore a healthy {_record.PreviousVersion ?? "previous version"}");
        }
        _scope = null;
        await scope.DisposeAsync().ConfigureAwait(false);
        LeftOn = scope.StayedOn;
    }

    /// <summary>Left without <see cref="LeaveAsync"/> (cancelled): the page stays, the next recovery takes it over.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_scope is not { } scope) return;
        _scope = null;
        scope.KeepOn("the rollback did not finish");
        await scope.DisposeAsync().ConfigureAwait(false);
        LeftOn = true;
    }
}
