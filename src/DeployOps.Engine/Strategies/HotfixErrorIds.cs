namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers of hotfixes (public contract: never rename).</summary>
public static partial class ErrorIds
{
    /// <summary>Invoke-Deployment -Target: a name or label that is no target, a host the hotfix has nothing on, or a strategy other than Hotfix.</summary>
    public const string HotfixTargetInvalid = "HotfixTargetInvalid";
}
