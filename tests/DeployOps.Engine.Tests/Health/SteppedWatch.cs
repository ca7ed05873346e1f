using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// Runs a health watch over real signal sources on a <see cref="SteppedClock"/>: before every sample the test's
/// <c>beforeSample</c> runs in real time (wait for traffic, inject a fault), then the clock jumps to the sample's
/// exact time. The schedule, timeline and <c>for:</c> windows are judged on fake time; only the readings are real.
/// </summary>
internal static class SteppedWatch
{
    public static async Task<(IReadOnlyList<HealthSample> Samples, HealthDecision Decision, RecordingSink Sink)> RunAsync(
        TempConfig file, Func<TimeProvider, WatchOptions> options, Func<IReadOnlyList<HealthSample>, Task> beforeSample)
    {
        var clock = new SteppedClock();
        var config = ConfigLoader.Load(file.Path);
        var sink = new RecordingSink();
        var watchOptions = options(clock);
        var watch = Task.Run(() => HealthWatcher.WatchAsync(config, watchOptions, sink, CancellationToken.None));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a stuck source fails the test, never hangs it
        while (true)
        {
            var sleep = clock.NextSleepAsync(guard.Token);
            if (await Task.WhenAny(watch, sleep) == watch) break;
            var due = await sleep;
            await beforeSample(sink.RecordsOf<HealthSample>().ToList()).WaitAsync(guard.Token);
            clock.Advance(due);
        }
        return (sink.RecordsOf<HealthSample>().ToList(), await watch, sink);
    }

    /// <summary>Before each sample, waits until <paramref name="load"/> has completed <paramref name="requests"/> more requests.</summary>
    public static Func<IReadOnlyList<HealthSample>, Task> Traffic(LoadGenerator load, int requests) =>
        _ => WaitForTrafficAsync(load, requests);

    public static async Task WaitForTrafficAsync(LoadGenerator load, int requests)
    {
        var target = load.Sent + requests;
        while (load.Sent < target) await Task.Delay(20);
    }

    /// <summary>The samples' elapsed times in milliseconds, for exact schedule assertions.</summary>
    public static int[] ElapsedMs(IEnumerable<HealthSample> samples) => samples.Select(s => (int)s.Elapsed.TotalMilliseconds).ToArray();

    /// <summary>Milliseconds <paramref name="first"/>, 2×first, … up to <paramref name="last"/>.</summary>
    public static int[] Every(int first, int last) => Enumerable.Range(1, last / first).Select(i => i * first).ToArray();
}
