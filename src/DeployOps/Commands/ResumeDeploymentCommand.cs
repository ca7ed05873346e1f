using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>Continues an Interrupted deployment (killed, lost session, declined traffic move) after its last completed phase.</summary>
[Cmdlet(VerbsLifecycle.Resume, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentRecord))]
public sealed class ResumeDeploymentCommand : DeployOpsCmdlet
{
    private const string PathSet = "Path";
    private const string ConfigSet = "Config";

    [Parameter(ParameterSetName = PathSet, Position = 0)]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    public DeploymentConfig? Config { get; set; }

    /// <summary>Defaults to the most recent interrupted deployment.</summary>
    [Parameter]
    public string? Id { get; set; }

    protected override void ProcessRecord()
    {
        var config = Config ?? LoadConfig(Path);
        RunEngine((sink, ct) => DeploymentEngine.ResumeAsync(config, new ResumeDeploymentOptions { Id = Id, Hooks = new StandardDeploymentHooks("Resume-Deployment") }, sink, ct));
    }
}
