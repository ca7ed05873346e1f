using DeployOps.Engine.Timing;

namespace DeployOps.Engine.State;

/// <summary>
/// How both deployment stores take the lock: a holder that has just won may not have described itself yet (or still
/// names a dead predecessor), so for <see cref="HolderSettleTime"/> a refusal is looked at again every
/// <see cref="RePoll"/> before it is reported.
/// </summary>
internal static class LockAcquisition
{
    public static readonly TimeSpan HolderSettleTime = TimeSpan.FromMilliseconds(300);
    public static readonly TimeSpan RePoll = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// <paramref name="tryOnce"/>(settling, ct) returns the lock, or null to look again; it throws the store's Locked
    /// error when the holder is described — or, once settling is false, whatever state the holder is in.
    /// </summary>
    public static async Task<IDeploymentLock> AcquireAsync(Func<bool, CancellationToken, Task<IDeploymentLock?>> tryOnce,
        TimeProvider clock, CancellationToken ct)
    {
        var won = await Poll.UntilAsync(c => tryOnce(true, c), HolderSettleTime, RePoll, clock, ct).ConfigureAwait(false);
        // After settling a null means the lock was released between our try and our look: simply try again.
        while (won is null) won = await tryOnce(false, ct).ConfigureAwait(false);
        return won;
    }
}
