using System.Management.Automation;
using DeployOps.Completion;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Notifications;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Sends an ad-hoc message through the configured notification targets (the runbooks' manual "post in the deployment
/// channel" steps). Returns one NotificationResult per target; a target that cannot be reached is an error too.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "DeploymentNotification", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(NotificationResult))]
public sealed class SendDeploymentNotificationCommand : ConfiguredCmdlet
{
    /// <summary>The text to post.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Message { get; set; } = "";

    [Parameter]
    public NotificationSeverity Severity { get; set; } = NotificationSeverity.Info;

    /// <summary>Names from notifications.targets; default: all of them.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Target { get; set; } = Array.Empty<string>();

    [Parameter]
    public string? Reason { get; set; }

    [Parameter]
    public string? ChangeTicket { get; set; }

    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new SendNotificationOptions
        {
            Message = Message, Severity = Severity, Targets = Target, Reason = Reason, ChangeTicket = ChangeTicket,
        };
        RunEngine((sink, ct) => NotificationCommands.SendAsync(config, options, sink, ct));
    }
}
