using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Strategies;

/// <summary>When the standard hooks back up the database before a deployment (<c>deployment.backup</c>).</summary>
internal enum DeploymentBackupPolicy
{
    /// <summary>When the deployment runs migrations: migrate steps are configured or a migrations check exists.</summary>
    Auto,
    Always,
    Never,
}

/// <summary>The keys of <c>deployment:</c> read by <see cref="StandardDeploymentHooks"/>: <c>backup</c> and <c>maintenance</c>.</summary>
internal sealed class DeploymentHookSettings
{
    public DeploymentBackupPolicy Backup { get; private init; } = DeploymentBackupPolicy.Auto;
    /// <summary>Every strategy enters maintenance mode around the deployment (a hotfix also with <c>hotfix.maintenance</c>).</summary>
    public bool Maintenance { get; private init; }

    internal static DeploymentHookSettings Read(ConfigMap map) => new()
    {
        Backup = map.Enum("backup", DeploymentBackupPolicy.Auto),
        Maintenance = map.Bool("maintenance", false),
    };
}
