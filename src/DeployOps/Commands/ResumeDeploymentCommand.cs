using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>Continues an Interrupted deployment (killed, lost session, declined traffic move) after its last completed phase,
/// or a rolling rollout its failure budget stopped (failed instances first, then the rest).</summary>
[Cmdlet(VerbsLifecycle.Resume, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentRecord))]
public sealed class ResumeDeploymentCommand : ConfiguredCmdlet
{
    /// <summary>Defaults to the most recent interrupted deployment.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Resumes the interrupted deployment of this pipeline input's configuration after its last completed
    /// phase.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        RunEngine((sink, ct) => DeploymentEngine.ResumeAsync(config, new ResumeDeploymentOptions { Id = Id, Hooks = new StandardDeploymentHooks("Resume-Deployment") }, sink, ct));
    }
}
