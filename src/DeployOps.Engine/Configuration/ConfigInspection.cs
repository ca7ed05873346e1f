namespace DeployOps.Engine.Configuration;

/// <summary>The outcome of validating a configuration file without acting on it.</summary>
public sealed class ConfigInspection
{
    internal ConfigInspection(string path, ConfigModel? config, IReadOnlyList<ConfigError> errors)
    {
        Path = path;
        Config = config;
        Errors = errors;
    }

    public string Path { get; }
    public ConfigModel? Config { get; }
    public IReadOnlyList<ConfigError> Errors { get; }
    public bool IsValid => Errors.Count == 0 && Config is not null;
}
