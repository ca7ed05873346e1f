namespace DeployOps.Engine.Hosting;

/// <summary>Error identifiers of remote targets (public contract: never rename).</summary>
public static partial class ErrorIds
{
    /// <summary>The host's key is not the one in its known_hosts file (changed, or never recorded): refused.</summary>
    public const string TargetHostKeyRejected = "TargetHostKeyRejected";
    /// <summary>ssh could not reach the host, or the connection dropped while a step ran there.</summary>
    public const string TargetUnreachable = "TargetUnreachable";
    /// <summary>The host refused our key (or the agent had none it accepts).</summary>
    public const string TargetAuthenticationFailed = "TargetAuthenticationFailed";
}
