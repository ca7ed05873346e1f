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

    /// <summary>Info (default), Warning or Critical: shown in the payload; a target receives it only at or above its
    /// minSeverity.</summary>
    [Parameter]
    public NotificationSeverity Severity { get; set; } = NotificationSeverity.Info;

    /// <summary>Names from notifications.targets; default: all of them.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Target { get; set; } = Array.Empty<string>();

    /// <summary>Why the message is sent, in the {reason} placeholder and the "Reason" fact.</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The change ticket the message belongs to, in the {ticket} placeholder and the "Change ticket"
    /// fact.</summary>
    [Parameter]
    public string? ChangeTicket { get; set; }

    /// <summary>Sends the message to the notification targets of this pipeline input's configuration.</summary>
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
