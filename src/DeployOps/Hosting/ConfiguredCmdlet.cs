using System.Management.Automation;
using DeployOps.Engine.Configuration;

namespace DeployOps.Hosting;

/// <summary>
/// A cmdlet that acts on one deployops.yaml, named by -Path or piped in as the object Test-DeploymentConfig returns.
/// The two parameter sets are the same for every such cmdlet, so they are declared once here.
/// </summary>
public abstract class ConfiguredCmdlet : DeployOpsCmdlet
{
    protected const string PathSet = "Path";
    protected const string ConfigSet = "Config";

    /// <summary>deployops.yaml, or a folder holding it; default: the one in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0)]
    public string? Path { get; set; }

    /// <summary>A configuration from Test-DeploymentConfig.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    public DeploymentConfig? Config { get; set; }

    /// <summary>The configuration this run acts on (validated; a problem stops the cmdlet with ConfigInvalid).</summary>
    protected ConfigModel ResolveConfig() => Config is null ? LoadConfig(Path) : ConfigModel.Of(Config);
}
