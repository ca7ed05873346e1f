namespace DeployOps.Engine.Configuration;

/// <summary>The outcome of validating a configuration file without acting on it.</summary>
internal sealed class ConfigInspection
{
    internal ConfigInspection(string path, ConfigModel? config, IReadOnlyList<ConfigError> errors, IReadOnlyList<ConfigError>? warnings = null)
    {
        Path = path;
        Config = config;
        Errors = errors;
        Warnings = warnings ?? Array.Empty<ConfigError>();
    }

    public string Path { get; }
    public ConfigModel? Config { get; }
    public IReadOnlyList<ConfigError> Errors { get; }
    /// <summary>Valid but risky settings, located like errors (e.g. each {raw:…} placeholder, which is not quoted).</summary>
    public IReadOnlyList<ConfigError> Warnings { get; }
    public bool IsValid => Errors.Count == 0 && Config is not null;
}
