using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// A validated deployops.yaml, as Test-DeploymentConfig returns it and every cmdlet accepts from the pipeline:
/// what it configures, in words an admin reads at the prompt. Secrets are never shown (every value is redacted).
/// </summary>
public sealed class DeploymentConfig
{
    internal DeploymentConfig(object model, string filePath, string application, string environment, string stateStore,
        string? database, string? redis, IReadOnlyList<string> checks, DeploymentStrategy? strategy,
        IReadOnlyList<string> targets, string? router, IReadOnlyList<string> maintenance, IReadOnlyList<string> healthRules,
        string? backupDirectory)
    {
        Model = model;
        FilePath = filePath;
        Application = application;
        Environment = environment;
        StateStore = stateStore;
        Database = database;
        Redis = redis;
        Checks = checks;
        Strategy = strategy;
        Targets = targets;
        Router = router;
        Maintenance = maintenance;
        HealthRules = healthRules;
        BackupDirectory = backupDirectory;
    }

    /// <summary>The engine's loaded configuration behind this view (lives in DeployOps' own load context).</summary>
    internal object Model { get; }

    /// <summary>The full path of the deployops.yaml.</summary>
    public string FilePath { get; }
    /// <summary>The directory of the deployops.yaml; relative paths in it are resolved from here.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(FilePath)!;
    /// <summary>The application name (application:).</summary>
    public string Application { get; }
    /// <summary>The environment name (environment:), e.g. production.</summary>
    public string Environment { get; }
    /// <summary>Where locks, journals and history live: a state directory or a PostgreSQL database.</summary>
    public string StateStore { get; }
    /// <summary>The application's PostgreSQL database (host:port/database), or null.</summary>
    public string? Database { get; }
    /// <summary>The Redis server (host:port), or null when none is configured.</summary>
    public string? Redis { get; }
    /// <summary>The pre-deployment checks, as "name (kind)".</summary>
    public IReadOnlyList<string> Checks { get; }
    /// <summary>deployment.strategy; null when the configuration has no deployment section.</summary>
    public DeploymentStrategy? Strategy { get; }
    /// <summary>Blue/green slots or rolling instances, as "name (host:port)".</summary>
    public IReadOnlyList<string> Targets { get; }
    /// <summary>The traffic router (nginx upstream file and name), or null.</summary>
    public string? Router { get; }
    /// <summary>Maintenance mechanisms and the drain source.</summary>
    public IReadOnlyList<string> Maintenance { get; }
    /// <summary>The health decision matrix, one rule per line.</summary>
    public IReadOnlyList<string> HealthRules { get; }
    /// <summary>Where database backups are written (backup.directory), or null when backups are not
    /// configured.</summary>
    public string? BackupDirectory { get; }
    /// <summary>The named base URLs (endpoints:); a password in a URL's user-info is always shown as ***.</summary>
    public IReadOnlyDictionary<string, string> Endpoints { get; internal init; } = new Dictionary<string, string>();

    /// <summary>"application/environment (file)".</summary>
    public override string ToString() => $"{Application}/{Environment} ({FilePath})";
}
