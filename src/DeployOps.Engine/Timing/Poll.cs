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
    /// immediate; one is always made. A wait never runs past the deadline: when less than an interval is left, the
    /// last call is made at the deadline, so the result describes the state at timeout. Exceptions from the attempt
    /// end the loop.
    /// </summary>
    public static async Task<T?> UntilAsync<T>(Func<CancellationToken, Task<T?>> attempt, TimeSpan timeout, TimeSpan interval,
        TimeProvider clock, CancellationToken cancellationToken) where T : class
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await attempt(cancellationToken).ConfigureAwait(false) is { } done) return done;
            var left = deadline - clock.GetUtcNow();
            if (left <= TimeSpan.Zero) return null;
            await Task.Delay(left < interval ? left : interval, clock, cancellationToken).ConfigureAwait(false);
        }
    }
}
