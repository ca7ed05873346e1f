using System.Management.Automation;
using DeployOps.Engine.State;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Breaks the one-deployment-at-a-time lock of the configured application/environment: a stale one (its holder
/// is provably gone), or with -Force any one. Audited.
/// </summary>
[Cmdlet(VerbsCommon.Unlock, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(LockInfo))]
public sealed class UnlockDeploymentCommand : ConfiguredCmdlet
{
    /// <summary>Break the lock even when its holder looks alive.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Releases (or with -Force breaks) the deployment lock of this pipeline input's configuration.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new UnlockOptions { Force = Force };
        RunEngine((sink, ct) => DeploymentStateCommands.UnlockAsync(config, options, sink, ct));
    }
}
