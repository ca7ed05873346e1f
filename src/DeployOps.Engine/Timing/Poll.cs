namespace DeployOps.Engine.Timing;

/// <summary>
/// The one polling loop: try, and until the try succeeds or the time is up, wait an interval — all on an injected
/// <see cref="TimeProvider"/>, so tests drive it with a fake clock instead of sleeping.
/// </summary>
internal static class Poll
{
    /// <summary>
    /// Calls <paramref name="attempt"/> until it returns a value or <paramref name="timeout"/> has passed on
    /// <paramref name="clock"/> (then null), waiting <paramref name="interval"/> between calls. The first call is
    /// immediate; one is always made. Exceptions from the attempt end the loop.
    /// </summary>
    public static async Task<T?> UntilAsync<T>(Func<CancellationToken, Task<T?>> attempt, TimeSpan timeout, TimeSpan interval,
        TimeProvider clock, CancellationToken cancellationToken) where T : class
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await attempt(cancellationToken).ConfigureAwait(false) is { } done) return done;
            if (clock.GetUtcNow() >= deadline) return null;
            await Task.Delay(interval, clock, cancellationToken).ConfigureAwait(false);
        }
    }
}
