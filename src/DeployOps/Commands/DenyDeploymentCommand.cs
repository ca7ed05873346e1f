using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Denies what a running deployment waits on: its sign-off (it stops with DeploymentNotApproved and deploys nothing)
/// or an inconclusive canary gate (the canary goes back to weight 0, CanaryGateFailed).
/// </summary>
[Cmdlet(VerbsLifecycle.Deny, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentApproval))]
public sealed class DenyDeploymentCommand : ConfiguredCmdlet
{
    /// <summary>Defaults to the deployment holding the lock.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Why the deployment may not go ahead: kept in the deployment record, audit log and notifications.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Reason")]
    public string Comment { get; set; } = "";

    /// <summary>Denies the sign-off or gate of the deployment -Id for the configuration of this pipeline input.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        RunEngine((sink, ct) => ApprovalCommands.DenyAsync(config, Id, Comment, sink, ct));
    }
}
