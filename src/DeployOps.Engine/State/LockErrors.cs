using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>The lock refusals every deployment store words the same way.</summary>
internal static class LockErrors
{
    /// <summary>DeploymentLocked: another deployment holds the lock; says how to get past it.</summary>
    public static DeployOpsException Locked(string application, string environment, LockInfo holder) =>
        new(ErrorIds.DeploymentLocked, ErrorKind.ResourceBusy,
            $"{application}/{environment} is locked by {holder.Describe()}." + Advice(holder), holder);

    /// <summary>What the operator can do about a lock held by <paramref name="holder"/>.</summary>
    private static string Advice(LockInfo holder) =>
        holder.IsStale ? " Break the stale lock with Unlock-Deployment (no -Force needed: its holder is gone)." : " Wait for it to finish, or see Get-Deployment.";

    /// <summary>LockNotStale: Unlock-Deployment without -Force on a live holder.</summary>
    public static DeployOpsException NotStale(string application, string environment, LockInfo held) =>
        new(ErrorIds.LockNotStale, ErrorKind.ResourceBusy,
            $"The lock of {application}/{environment} is held by a live {held.Describe()}; use -Force to break it anyway.", held);
}
