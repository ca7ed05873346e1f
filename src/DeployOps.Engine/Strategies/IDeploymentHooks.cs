using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Where database backup and maintenance mode plug into every strategy's phase plan. BeforeDeploy runs as the
/// journaled phase <c>before-deploy</c> after the pre-checks and before anything is deployed; AfterDeploy runs as
/// <c>after-deploy</c> at the end, and also (best effort) after a failure so maintenance mode is always left.
/// </summary>
internal interface IDeploymentHooks
{
    Task BeforeDeployAsync(DeploymentHookContext context, CancellationToken cancellationToken);
    Task AfterDeployAsync(DeploymentHookContext context, CancellationToken cancellationToken);
}

/// <summary>What a hook knows about the deployment it runs in.</summary>
internal sealed class DeploymentHookContext
{
    internal DeploymentHookContext(ConfigModel config, string deploymentId, DeploymentStrategy strategy, string version,
        string? previousVersion, bool noBackup, bool maintenance, bool succeeded, IOutputSink sink,
        Func<string, string, CancellationToken, Task> annotate)
    {
        Config = config;
        DeploymentId = deploymentId;
        Strategy = strategy;
        Version = version;
        PreviousVersion = previousVersion;
        NoBackup = noBackup;
        Maintenance = maintenance;
        Succeeded = succeeded;
        Sink = sink;
        _annotate = annotate;
    }

    private readonly Func<string, string, CancellationToken, Task> _annotate;

    public ConfigModel Config { get; }
    public string DeploymentId { get; }
    public DeploymentStrategy Strategy { get; }
    public string Version { get; }
    public string? PreviousVersion { get; }
    /// <summary>-NoBackup was given.</summary>
    public bool NoBackup { get; }
    /// <summary>The strategy wants maintenance mode (a hotfix with <c>deployment.hotfix.maintenance: true</c>).</summary>
    public bool Maintenance { get; }
    /// <summary>In AfterDeploy: whether the deployment succeeded.</summary>
    public bool Succeeded { get; }
    public IOutputSink Sink { get; }
    /// <summary>The slot a hotfix deploys to (null: the instances); where <see cref="ServingCheck"/> looks after a failure.</summary>
    internal string? TargetSlot { get; init; }

    /// <summary>Journals a field on the deployment record (e.g. <c>DeploymentField.BackupId</c>).</summary>
    public Task AnnotateAsync(string field, string value, CancellationToken cancellationToken) => _annotate(field, value, cancellationToken);
}
