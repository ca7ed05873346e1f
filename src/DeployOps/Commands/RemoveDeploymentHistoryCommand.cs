using System.Management.Automation;
using DeployOps.Completion;
using DeployOps.Engine.State;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Removes one deployment from the history of the configured application/environment (its journal and record;
/// the deployment log stays). Never a running deployment; the live one only with -Force. Audited.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DeploymentHistory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentRecord))]
public sealed class RemoveDeploymentHistoryCommand : ConfiguredCmdlet
{
    /// <summary>The id of the deployment to remove (binds from the Id property of piped records).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Remove it even when it is the live deployment (the newest successful one).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Removes the deployment -Id names from this pipeline input's configuration's history.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new RemoveHistoryOptions { Id = Id!, Force = Force };
        RunEngine((sink, ct) => DeploymentStateCommands.RemoveHistoryAsync(config, options, sink, ct));
    }
}
