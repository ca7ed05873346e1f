using System.Management.Automation;
using DeployOps.Engine.State;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>Lists the deployments of the configured application/environment, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "DeploymentHistory", DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentRecord))]
public sealed class GetDeploymentHistoryCommand : ConfiguredCmdlet
{
    /// <summary>Only the newest N deployments (after the -Status filter).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    /// <summary>Only deployments with these outcomes.</summary>
    [Parameter]
    public DeploymentOutcome[]? Status { get; set; }

    /// <summary>Only deployments made with this -ChangeTicket.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChangeTicket { get; set; }

    /// <summary>Writes the deployments of this pipeline input's configuration that match the filters, newest
    /// first.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var query = new HistoryQuery { Last = Last, Outcomes = Status ?? Array.Empty<DeploymentOutcome>(), ChangeTicket = ChangeTicket };
        RunEngine((sink, ct) => DeploymentStateCommands.GetHistoryAsync(config, query, sink, ct));
    }
}
