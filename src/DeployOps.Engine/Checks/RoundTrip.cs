using System.Diagnostics;

namespace DeployOps.Engine.Checks;

/// <summary>
/// Measures a server's round-trip latency as the fastest of a few round trips: one slow sample says more about a busy
/// client host (a scheduler pause, a GC) than about the server, and a warning must describe the server.
/// </summary>
internal static class RoundTrip
{
    public const int Samples = 3;

    public static async Task<TimeSpan> FastestAsync(Func<CancellationToken, Task> roundTrip, CancellationToken cancellationToken)
    {
        var fastest = TimeSpan.MaxValue;
        var clock = new Stopwatch();
        for (var i = 0; i < Samples; i++)
        {
            clock.Restart();
            await roundTrip(cancellationToken).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            if (elapsed < fastest) fastest = elapsed;
        }
        return fastest;
    }
}
