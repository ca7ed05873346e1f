namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>changeControl.requireReason / requireChangeTicket, and the command was not given -Reason / -ChangeTicket.</summary>
    public const string ChangeRecordRequired = "ChangeRecordRequired";
}

public static partial class ErrorIds
{
    /// <summary>A deployment inside a freeze: window without -OverrideFreeze, or an override without its -Reason or approver.</summary>
    public const string DeploymentFrozen = "DeploymentFrozen";
}
