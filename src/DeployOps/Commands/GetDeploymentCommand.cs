using System.Management.Automation;
using DeployOps.Completion;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Without -Id: the current state of the configured application/environment (running, interrupted or idle, with
/// the lock holder). With -Id: that deployment's record.
/// </summary>
[Cmdlet(VerbsCommon.Get, "Deployment", DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentStatus), ParameterSetName = new[] { PathSet, ConfigSet })]
[OutputType(typeof(DeploymentRecord), ParameterSetName = new[] { PathIdSet, ConfigIdSet })]
public sealed class GetDeploymentCommand : ConfiguredCmdlet
{
    // The shared Path/Config sets (the current state) crossed with -Id (one deployment's record).
    /// <summary>The parameter set of -Path with -Id: one deployment's record from the configuration a path
    /// names.</summary>
    public const string PathIdSet = PathSet + "Id";
    /// <summary>The parameter set of -Config with -Id: one deployment's record from a piped configuration.</summary>
    public const string ConfigIdSet = ConfigSet + "Id";

    /// <summary>deployops.yaml, or a folder holding it; default: the one in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0)]
    [Parameter(ParameterSetName = PathIdSet, Position = 0)]
    public override string? Path { get; set; }

    /// <summary>A configuration from Test-DeploymentConfig.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ConfigIdSet, Mandatory = true, ValueFromPipeline = true)]
    public override DeploymentConfig? Config { get; set; }

    /// <summary>The id of one deployment (binds from the Id property of piped records).</summary>
    [Parameter(ParameterSetName = PathIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Writes the current state, or with -Id that deployment's record, for this pipeline input's
    /// configuration.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        if (Id is not null)
            RunEngine((sink, ct) => DeploymentStateCommands.GetDeploymentAsync(config, Id!, sink, ct));
        else
            RunEngine((sink, ct) => DeploymentStateCommands.GetStatusAsync(config, sink, ct));
    }
}
