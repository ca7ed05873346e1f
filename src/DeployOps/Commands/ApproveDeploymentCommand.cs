using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Approves what a running deployment waits on: its sign-off before deploying (deployment.approval; only a listed
/// approver may) or an inconclusive canary gate, so it proceeds.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentApproval))]
public sealed class ApproveDeploymentCommand : ConfiguredCmdlet
{
    /// <summary>Defaults to the deployment holding the lock.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Why the operator approves (kept with the approval, in the deployment record, audit log and notifications).</summary>
    [Parameter]
    [Alias("Comment")]
    public string? Reason { get; set; }

    /// <summary>Approves the gate of the deployment -Id for the configuration of this pipeline input.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        RunEngine((sink, ct) => ApprovalCommands.ApproveAsync(config, Id, Reason, sink, ct));
    }
}
