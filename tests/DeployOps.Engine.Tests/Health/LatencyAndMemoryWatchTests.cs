using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// p95 from the demo app's real histogram on the stepped fake clock (exact sample times), and memory growth from its
/// real resident memory on the wall clock: a leak's MB/min is a rate of the real process, measured against real time.
/// </summary>
public sealed class LatencyAndMemoryWatchTests
{
    [Theory(Timeout = 120_000)]
    // All requests take ~3 s: every one lands in the (2.5, 5] bucket, so PromQL's interpolation gives 2.5 + 2.5 * 0.95.
    [InlineData(3000, 4875.0, HealthVerdict.Investigate, "latencyP95Warning")]
    // ~6 s: the (5, 10] bucket, 5 + 5 * 0.95.
    [InlineData(6000, 9750.0, HealthVerdict.Rollback, "latencyP95")]
    public async Task P95_from_the_real_histogram_drives_the_latency_rules(int latencyMs, double p95, HealthVerdict verdict, string rule)
    {
        using var app = new DemoAppProcess();
        await app.SetFaultsAsync(new { latencyMs });
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work", concurrency: 24, pauseMs: 0);
        using var file = HealthHarness.Config(HealthHarness.Scrape.Replace("interval: 500ms", "interval: 1s").Replace("minRequests: 10", "minRequests: 3"), app.BaseUrl);

        // The first sample is taken at once, before any slow request completed; the second after a round of completions.
        var (samples, decision, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(15), Until = WatchUntil.Decision, Clock = clock },
            sofar => sofar.Count == 0 ? Task.CompletedTask : SteppedWatch.WaitForTrafficAsync(load, 24));

        var described = HealthHarness.Describe(samples);
        Assert.Equal(new[] { 1000, 2000 }, SteppedWatch.ElapsedMs(samples));
        Assert.Equal(verdict, decision.Verdict);
        Assert.Equal(rule, decision.Rule);
        Assert.Equal(p95, decision.Value!.Value, 6);
        Assert.Equal(p95, samples[^1].P95!.Value, 6);
        Assert.DoesNotContain(samples.SkipLast(1), s => s.Verdict is HealthVerdict.Rollback or HealthVerdict.Investigate);
        // Before the first slow requests complete, the window holds no evidence: Inconclusive, not Healthy.
        Assert.Equal(HealthVerdict.Inconclusive, samples[0].Verdict);
        Assert.Contains("too little traffic", samples[0].Reasons[0]);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_slowdown_that_cuts_closed_loop_traffic_below_minRequests_still_rolls_back_on_its_latency()
    {
        using var app = new DemoAppProcess();
        await app.SetFaultsAsync(new { latencyMs = 600 });
        // Closed-loop clients: 8 workers at 600 ms each make at most ~27 requests per 2 s window, far below minRequests.
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work", concurrency: 8, pauseMs: 0);
        using var file = HealthHarness.Config(HealthHarness.Scrape.Replace("interval: 500ms", "interval: 2s")
            .Replace("minRequests: 10", "minRequests: 200\nminLatencyRequests: 5") + "\n  - name: latencyP95\n    threshold: 500ms", app.BaseUrl);

        var (samples, decision, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(30), Until = WatchUntil.Decision, Clock = clock }, SteppedWatch.Traffic(load, 10));

        var described = HealthHarness.Describe(samples);
        Assert.True(decision.Verdict == HealthVerdict.Rollback && decision.Rule == "latencyP95", described);
        Assert.Equal(new[] { 2000 }, SteppedWatch.ElapsedMs(samples)); // the first window with latency evidence decides
        // Requests land in the (0.5, 1] bucket (500 + 500 * 0.95 = 975 ms by PromQL's interpolation), or above it on a loaded host.
        Assert.InRange(decision.Value!.Value, 974.9, 2500);
        // The window that decided held fewer requests than errorRate needs: judged on the requests there were.
        Assert.InRange(samples[^1].Requests!.Value, 5, 199);
    }

    [Fact]
    public async Task Memory_growing_faster_than_the_threshold_rolls_back()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(HealthHarness.Scrape, app.BaseUrl);
        await app.SetFaultsAsync(new { leakMbPerMinute = 1200 });

        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(12) });

        var described = HealthHarness.Describe(samples);
        Assert.Equal(HealthVerdict.Rollback, decision.Verdict);
        Assert.Equal("memoryGrowth", decision.Rule);
        Assert.InRange(decision.Value!.Value, 300, 3000);
        Assert.True(samples[^1].Memory > samples[0].Memory + 20, described);
        // Growth is only reported once the readings span half the 4 s window.
        Assert.Null(samples[0].MemoryGrowth);
    }
}
