namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>Another deployment of the same application/environment holds the lock; the message names it.</summary>
    public const string DeploymentLocked = "DeploymentLocked";
    public const string DeploymentNotFound = "DeploymentNotFound";
    /// <summary>Unlock found no lock, or a deployment lost the lock it held (broken or session lost).</summary>
    public const string LockNotHeld = "LockNotHeld";
    /// <summary>Unlock-Deployment without -Force on a lock whose holder is alive.</summary>
    public const string LockNotStale = "LockNotStale";
    /// <summary>The deployment is not interrupted (running elsewhere or finished) so it cannot be resumed.</summary>
    public const string DeploymentNotResumable = "DeploymentNotResumable";
    /// <summary>Remove-DeploymentHistory without -Force on the deployment that put the live version in place.</summary>
    public const string DeploymentIsLive = "DeploymentIsLive";
    /// <summary>Remove-DeploymentHistory on a deployment that is still running (it holds the lock).</summary>
    public const string DeploymentInProgress = "DeploymentInProgress";
    public const string StateStoreUnavailable = "StateStoreUnavailable";
    public const string JournalWriteFailed = "JournalWriteFailed";
}
