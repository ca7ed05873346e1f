using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Maintenance;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Switches off every maintenance mechanism that is on, even when some fail (each failure is its own error).
/// Idempotent: nothing on means nothing to do.
/// </summary>
[Cmdlet(VerbsCommon.Exit, "MaintenanceMode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaintenanceState))]
public sealed class ExitMaintenanceModeCommand : ConfiguredCmdlet
{
    /// <summary>Write the resulting MaintenanceState, so a runbook can show that every mechanism is off.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Switches maintenance off for this pipeline input's configuration.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var state = RunEngine((sink, ct) => MaintenanceMode.ExitAsync(config, new ExitMaintenanceOptions(), sink, ct));
        if (PassThru) WriteObject(state);
    }
}
