using System.Management.Automation;
using DeployOps.Engine.State;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Without -Id: the current state of the configured application/environment (running, interrupted or idle, with
/// the lock holder). With -Id: that deployment's record.
/// </summary>
[Cmdlet(VerbsCommon.Get, "Deployment", DefaultParameterSetName = CurrentSet)]
[OutputType(typeof(DeploymentStatus), ParameterSetName = new[] { CurrentSet })]
[OutputType(typeof(DeploymentRecord), ParameterSetName = new[] { IdSet })]
public sealed class GetDeploymentCommand : DeployOpsCmdlet
{
    private const string CurrentSet = "Current";
    private const string IdSet = "Id";

    [Parameter(Position = 0)]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = IdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override void ProcessInput()
    {
        var config = LoadConfig(Path);
        if (ParameterSetName == IdSet)
            RunEngine((sink, ct) => DeploymentStateCommands.GetDeploymentAsync(config, Id!, sink, ct));
        else
            RunEngine((sink, ct) => DeploymentStateCommands.GetStatusAsync(config, sink, ct));
    }
}
