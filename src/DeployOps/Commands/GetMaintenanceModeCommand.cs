using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Maintenance;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// The state of each maintenance mechanism and whether they agree: On, Off, Inconsistent (naming which is on and
/// which is off) or Unknown (one could not be read).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MaintenanceMode", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaintenanceState))]
public sealed class GetMaintenanceModeCommand : ConfiguredCmdlet
{
    /// <summary>Writes the maintenance state of this pipeline input's configuration.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        WriteObject(RunEngine((sink, ct) => MaintenanceMode.GetStateAsync(config, sink, ct)));
    }
}
