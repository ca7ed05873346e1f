namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>changeControl.requireReason / requireChangeTicket, and the command was not given -Reason / -ChangeTicket.</summary>
    public const string ChangeRecordRequired = "ChangeRecordRequired";
}
