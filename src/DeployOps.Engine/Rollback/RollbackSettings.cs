using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Rollback;

/// <summary>The <c>rollback:</c> section of deployops.yaml.</summary>
internal sealed class RollbackSettings
{
    /// <summary>Application log files or folders copied into the incident folder before acting (resolved against the config folder).</summary>
    public IReadOnlyList<string> LogPaths { get; private init; } = Array.Empty<string>();
    /// <summary>Where incident folders go (default: the state directory's <c>incidents</c>).</summary>
    public string IncidentDirectory { get; private init; } = "";
    /// <summary>Migration ids declared backward-compatible (expand/contract): a code-only rollback across them is allowed.</summary>
    public IReadOnlyList<string> CompatibleMigrations { get; private init; } = Array.Empty<string>();
    /// <summary>Every migration is backward-compatible (the team practises expand/contract).</summary>
    public bool MigrationsBackwardCompatible { get; private init; }
    /// <summary>Largest log file copied whole; bigger ones are copied as their last this-many bytes.</summary>
    public long MaxLogBytes { get; private init; } = 20L * 1024 * 1024;

    internal static RollbackSettings Read(ConfigMap? map, string configDirectory, string stateDirectory)
    {
        var defaultIncidents = Path.Combine(stateDirectory, "incidents");
        if (map is null) return new RollbackSettings { IncidentDirectory = defaultIncidents };
        var incidents = map.String("incidentDirectory");
        var settings = new RollbackSettings
        {
            LogPaths = map.StringList("logPaths").Select(p => Path.GetFullPath(Path.Combine(configDirectory, p))).ToList(),
            IncidentDirectory = incidents is null ? defaultIncidents : Path.GetFullPath(Path.Combine(configDirectory, incidents)),
            CompatibleMigrations = map.StringList("compatibleMigrations"),
            MigrationsBackwardCompatible = map.Bool("migrationsBackwardCompatible", false),
            MaxLogBytes = map.Size("maxLogSize", 20L * 1024 * 1024),
        };
        map.Finish();
        return settings;
    }
}
