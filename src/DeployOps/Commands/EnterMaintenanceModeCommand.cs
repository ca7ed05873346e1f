using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Maintenance;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Switches every configured maintenance mechanism on (flag file, Redis key, nginx page; ShouldProcess for each),
/// then waits for in-flight work to drain below the threshold. A drain timeout is error DrainTimeout and leaves
/// maintenance on. Idempotent: entering again reports the existing window and changes its reason only with -Reason.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "MaintenanceMode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaintenanceState))]
public sealed class EnterMaintenanceModeCommand : ConfiguredCmdlet
{
    /// <summary>Why the application is in maintenance: stored with the window and shown by
    /// Get-MaintenanceMode.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    /// <summary>Wait for draining (default: when maintenance.drain is configured); -Drain:$false skips it.</summary>
    [Parameter]
    public SwitchParameter Drain { get; set; }

    /// <summary>Overrides maintenance.drain.timeout.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? DrainTimeout { get; set; }

    /// <summary>Recorded as the window's expected end.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? ExpectedDuration { get; set; }

    /// <summary>Skip the drain wait.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the resulting MaintenanceState, including how draining ended.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Switches maintenance on for this pipeline input's configuration and waits for draining.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new EnterMaintenanceOptions
        {
            Reason = Reason,
            Drain = MyInvocation.BoundParameters.ContainsKey(nameof(Drain)) ? Drain.IsPresent : null,
            DrainTimeout = DrainTimeout,
            ExpectedDuration = ExpectedDuration,
            Force = Force,
        };
        var state = RunEngine((sink, ct) => MaintenanceMode.EnterAsync(config, options, sink, ct));
        if (PassThru) WriteObject(state);
    }
}
