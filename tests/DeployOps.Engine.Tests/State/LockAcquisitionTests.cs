using DeployOps.Engine.State;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.StateStore;

/// <summary>The acquire loop both stores share, on a fake clock: settling re-polls, then one final verdict.</summary>
public sealed class LockAcquisitionTests
{
    private sealed class Won : IDeploymentLock
    {
        public LockInfo Holder => throw new NotSupportedException();
        public Task EnsureHeldAsync(CancellationToken ct) => Task.CompletedTask;
        public Task ReleaseAsync() => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static async Task<(Task<IDeploymentLock> Acquire, List<bool> Tries)> DriveAsync(Func<bool, int, IDeploymentLock?> tryOnce)
    {
        var clock = new FakeTimeProvider();
        var tries = new List<bool>();
        var acquire = LockAcquisition.AcquireAsync((settling, _) =>
        {
            tries.Add(settling);
            return Task.FromResult(tryOnce(settling, tries.Count));
        }, clock, CancellationToken.None);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!acquire.IsCompleted)
        {
            await Task.Yield();
            clock.Advance(LockAcquisition.RePoll);
            guard.Token.ThrowIfCancellationRequested();
        }
        return (acquire, tries);
    }

    [Fact]
    public async Task An_undescribed_holder_is_looked_at_for_the_settle_time_then_reported()
    {
        var (acquire, tries) = await DriveAsync((settling, _) => settling ? null : throw new InvalidOperationException("Locked"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => acquire);
        var settlingTries = (int)(LockAcquisition.HolderSettleTime / LockAcquisition.RePoll) + 1;
        Assert.Equal(Enumerable.Repeat(true, settlingTries).Append(false), tries);
    }

    [Fact]
    public async Task A_lock_released_while_settling_is_taken()
    {
        var (acquire, tries) = await DriveAsync((_, n) => n == 4 ? new Won() : null);
        Assert.IsType<Won>(await acquire);
        Assert.Equal(4, tries.Count);
    }

    [Fact]
    public async Task After_settling_a_release_between_try_and_look_tries_again_at_once()
    {
        var settlingTries = (int)(LockAcquisition.HolderSettleTime / LockAcquisition.RePoll) + 1;
        var (acquire, tries) = await DriveAsync((_, n) => n == settlingTries + 2 ? new Won() : null);
        Assert.IsType<Won>(await acquire);
        Assert.Equal(new[] { false, false }, tries.Skip(settlingTries));
    }
}
