using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>
/// A cmdlet that acts on one deployops.yaml, named by -Path or piped in as the object Test-DeploymentConfig returns.
/// The two parameter sets are the same for every such cmdlet, so they are declared once here; a cmdlet with sets of
/// its own overrides <see cref="Path"/> and <see cref="Config"/> to cross them with its sets (Path+X, Config+X), so
/// -Path and -Config are never bindable together.
/// <para>
/// Records the engine returns carry the configuration they came from (ConfigPath). Piped to a configured cmdlet, that
/// property binds -ConfigPath, which selects the configuration when neither -Path nor -Config is given, and must name
/// the same file when one is: a record from one configuration never runs against another.
/// </para>
/// </summary>
public abstract class ConfiguredCmdlet : DeployOpsCmdlet
{
    /// <summary>The name of the parameter set that takes the configuration by -Path (the default).</summary>
    public const string PathSet = "Path";
    /// <summary>The name of the parameter set that takes the configuration as a piped DeploymentConfig
    /// (-Config).</summary>
    public const string ConfigSet = "Config";

    private readonly Dictionary<string, ConfigModel> _loaded = new(StringComparer.Ordinal);

    /// <summary>deployops.yaml, or a folder holding it; default: the one in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0)]
    public virtual string? Path { get; set; }

    /// <summary>A configuration from Test-DeploymentConfig.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    public virtual DeploymentConfig? Config { get; set; }

    /// <summary>
    /// The configuration a piped record came from (its ConfigPath property). Selects the configuration when -Path and
    /// -Config are not given; with either, it must name the same file (ConfigMismatch otherwise).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ConfigPath { get; set; }

    /// <summary>The configuration this record acts on (validated; a problem stops the cmdlet with ConfigInvalid).</summary>
    private protected ConfigModel ResolveConfig()
    {
        var fromRecord = string.IsNullOrEmpty(ConfigPath) ? null : FullConfigPath(ConfigPath);
        ConfigModel config;
        if (Config is not null) config = ConfigModel.Of(Config);
        else if (string.IsNullOrEmpty(Path) && fromRecord is not null) config = Load(fromRecord);
        else config = Load(Path);

        if (fromRecord is not null && !string.Equals(fromRecord, config.FilePath, StringComparison.Ordinal))
        {
            var message = $"The piped record comes from the configuration {fromRecord}, but this command was given " +
                $"{config.FilePath}. Pipe records only to the configuration they came from (omit -Path/-Config to use the record's).";
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), ErrorIds.ConfigMismatch,
                ErrorCategory.InvalidArgument, ConfigPath));
        }
        return config;
    }

    private ConfigModel Load(string? path)
    {
        var key = path ?? "";
        if (_loaded.TryGetValue(key, out var cached)) return cached;
        return _loaded[key] = LoadConfig(path);
    }

    private string? FullConfigPath(string path)
    {
        try
        {
            return ConfigLoader.ResolvePath(ResolvePath(path), SessionState.Path.CurrentFileSystemLocation.Path);
        }
        catch (Engine.Hosting.DeployOpsException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
            throw;
        }
    }
}
