using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Traffic;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Moves all traffic to one blue/green slot through the configured router (nginx): writes the upstream file,
/// validates, reloads, confirms through the proxy, and restores the previous file on any failure.
/// </summary>
[Cmdlet(VerbsCommon.Switch, "DeploymentTraffic", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(TrafficChange))]
public sealed class SwitchDeploymentTrafficCommand : ConfiguredCmdlet
{
    /// <summary>The slot that gets all traffic.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SlotNameCompleter))]
    public string To { get; set; } = "";

    /// <summary>
    /// Takes over an upstream file DeployOps did not write (an existing hand-run blue/green) even when which slot is live
    /// cannot be read from it: the one-time step that TrafficStateUnknown asks for.
    /// </summary>
    [Parameter]
    public SwitchParameter Adopt { get; set; }

    /// <summary>Why: audited, notified (trafficSwitched), on the TrafficChange; required by changeControl.requireReason.</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The change ticket: audited, notified, on the TrafficChange; required by changeControl.requireChangeTicket.</summary>
    [Parameter]
    public string? ChangeTicket { get; set; }

    /// <summary>Moves the traffic of this pipeline input's configuration to -To and confirms it through the
    /// router.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        RunEngine((sink, ct) => TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions
        {
            To = To, Adopt = Adopt.IsPresent, Reason = Reason, ChangeTicket = ChangeTicket,
        }, sink, ct));
    }
}
