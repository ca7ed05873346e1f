using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Health;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// One application in one environment, as described by its deployops.yaml. Loaded and validated whole by
/// <see cref="ConfigLoader"/>; carries the redactor that knows every secret it resolved.
/// </summary>
internal sealed class ConfigModel
{
    internal ConfigModel(string filePath, string application, string environment, StateSettings state,
        PostgresSettings? postgres, RedisSettings? redis, IReadOnlyDictionary<string, string> endpoints,
        IReadOnlyList<CheckDefinition> checks, MaintenanceSettings maintenance, DeploymentSettings deployment,
        HealthSettings health, BackupSettings backup, Redactor redactor)
    {
        FilePath = filePath;
        Application = application;
        Environment = environment;
        State = state;
        Postgres = postgres;
        Redis = redis;
        Endpoints = endpoints;
        Checks = checks;
        Maintenance = maintenance;
        Deployment = deployment;
        Health = health;
        Backup = backup;
        Redactor = redactor;
    }

    public string FilePath { get; }
    public string Directory => Path.GetDirectoryName(FilePath)!;
    public string Application { get; }
    public string Environment { get; }
    public StateSettings State { get; }
    public PostgresSettings? Postgres { get; }
    public RedisSettings? Redis { get; }
    /// <summary>Named base URLs (<c>endpoints:</c>) that checks and health signals refer to by name.</summary>
    public IReadOnlyDictionary<string, string> Endpoints { get; }
    public IReadOnlyList<CheckDefinition> Checks { get; }
    public MaintenanceSettings Maintenance { get; }
    public DeploymentSettings Deployment { get; }
    public HealthSettings Health { get; }
    public BackupSettings Backup { get; }
    public RollbackSettings Rollback { get; internal init; } = null!;
    public Notifications.NotificationSettings Notifications { get; internal init; } = Engine.Notifications.NotificationSettings.None;
    public ChangeControlSettings ChangeControl { get; internal init; } = ChangeControlSettings.None;
    public FreezeSettings Freeze { get; internal init; } = FreezeSettings.None;
    /// <summary>Named hosts (<c>targets:</c>) that slots and instances live on.</summary>
    public IReadOnlyDictionary<string, Targets.SshTarget> Targets { get; internal init; } = new Dictionary<string, Targets.SshTarget>();
    /// <summary>How many checks run on targets at once (<c>defaults.targetCheckParallelism</c>).</summary>
    public int TargetCheckParallelism { get; internal init; } = ConfigLoader.DefaultTargetCheckParallelism;

    /// <summary>Masks every secret this configuration resolved; used by every writer of output.</summary>
    public Redactor Redactor { get; }

    private DeploymentConfig? _view;

    /// <summary>What PowerShell users see and pipe: the configuration in words, with this model behind it.</summary>
    public DeploymentConfig View => _view ??= ConfigView.Build(this);

    /// <summary>The model behind a view that came back from the pipeline.</summary>
    public static ConfigModel Of(DeploymentConfig view) => (ConfigModel)view.Model;

    public override string ToString() => $"{Application}/{Environment} ({FilePath})";
}
