using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// When the evidence is thin or broken: low traffic, scrape errors, malformed metrics, restarts. The watches run on a
/// <see cref="SteppedClock"/> (exact sample times, real readings), except the in-flight gauge, which needs slow
/// requests to be in flight in real time when the sample is taken.
/// </summary>
public sealed class EvidenceWatchTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_quiet_window_is_Inconclusive_even_when_half_of_its_few_requests_fail()
    {
        using var app = new DemoAppProcess();
        await app.SetFaultsAsync(new { errorRate = 0.5 });
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work", concurrency: 1, pauseMs: 150);
        using var file = HealthHarness.Config(HealthHarness.Scrape.Replace("minRequests: 10", "minRequests: 50"), app.BaseUrl);

        var (samples, decision, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(3), Clock = clock }, SteppedWatch.Traffic(load, 3));

        var described = HealthHarness.Describe(samples);
        Assert.Equal(SteppedWatch.Every(500, 3000), SteppedWatch.ElapsedMs(samples));
        Assert.All(samples, s => Assert.Equal(HealthVerdict.Inconclusive, s.Verdict));
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
        // Every window held some traffic (the clock waits for 3 requests), all under minRequests.
        Assert.All(samples, s => Assert.True(s.Requests is >= 3 and < 50, described));
        Assert.All(samples, s => Assert.Contains(s.Reasons, r => r.Contains("too little traffic")));
        Assert.Contains(samples, s => s.ErrorRate > 5); // the raw rate is recorded, but it is not evidence
    }

    [Fact(Timeout = 120_000)]
    public async Task A_killed_application_refusing_the_scrape_is_down_at_once_not_a_scrape_error_that_holds_Healthy()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(HealthHarness.Scrape, app.BaseUrl);
        var killed = false;
        var (samples, decision, _) = await SteppedWatch.RunAsync(file, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(5), Clock = clock },
            async sofar =>
            {
                if (sofar.Count(s => s.Verdict == HealthVerdict.Healthy) < 2) await SteppedWatch.WaitForTrafficAsync(load, 20);
                else if (!killed) { app.Kill(); killed = true; } // no health endpoint is configured: all the watch sees is the metrics port refusing
            });

        var described = HealthHarness.Describe(samples);
        Assert.Equal(SteppedWatch.Every(500, 5000), SteppedWatch.ElapsedMs(samples));
        Assert.All(samples.Take(2), s => Assert.Equal((HealthVerdict.Healthy, 0.0), (s.Verdict, s.Signals["refused"])));
        var down = samples.Skip(2).ToList();
        Assert.Equal(8, down.Count);
        // Every sample after the kill says so: the first one already, never "previous verdict held".
        Assert.All(down, s =>
        {
            Assert.Equal(1, s.Signals["refused"]);
            Assert.Equal(HealthVerdict.Investigate, s.Verdict);
            Assert.Empty(s.SourceErrors);
            Assert.Contains(s.Reasons, r => r.Contains("appDown"));
            Assert.DoesNotContain(s.Reasons, r => r.Contains("previous verdict held"));
            Assert.Contains(s.Notes, n => n.Contains("refused", StringComparison.OrdinalIgnoreCase) && n.Contains("not listening"));
        });
        Assert.Equal(("appDown", HealthVerdict.Investigate), (decision.Rule, decision.Verdict));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_target_that_answers_something_else_than_metrics_is_a_scrape_error_naming_the_line()
    {
        using var app = new DemoAppProcess();
        using var file = HealthHarness.Config(HealthHarness.Scrape.Replace("targets: [app]", $"targets: [\"{app.BaseUrl}/version\"]"), app.BaseUrl);
        var (samples, decision, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(4), Clock = clock }, _ => Task.CompletedTask);

        Assert.All(samples, s => Assert.Contains("malformed exposition, line 1, column 1: expected a metric name, got '{'", s.SourceErrors[0]));
        Assert.Equal(SteppedWatch.Every(500, 4000), SteppedWatch.ElapsedMs(samples));
        Assert.Equal(HealthVerdict.Inconclusive, samples[3].Verdict);
        Assert.Equal(HealthVerdict.Inconclusive, samples[^1].Verdict);
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
    }

    [Fact(Timeout = 120_000)]
    public async Task Counters_reset_by_a_restart_count_from_zero_and_errors_after_it_are_still_caught()
    {
        var port = FreePort.Next();
        using var app = new DemoAppProcess(port: port);
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(HealthHarness.Scrape + "\n  - name: errorRate\n    for: 1s", app.BaseUrl);
        var step = 0; // 0: warming up, 1: restarted, 2: errors injected
        var (samples, decision, _) = await SteppedWatch.RunAsync(file, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(30), Clock = clock },
            async sofar =>
            {
                if (step == 0 && sofar.Count(s => s.Verdict == HealthVerdict.Healthy) >= 3)
                {
                    app.Stop();
                    app.Start();
                    step = 1;
                }
                else if (step == 1 && sofar.FirstOrDefault(s => s.Signals.GetValueOrDefault("restarts") > 0) is { } seen
                    && sofar[^1].Verdict == HealthVerdict.Healthy && sofar[^1].Sequence > seen.Sequence)
                {
                    await app.SetFaultsAsync(new { errorRate = 0.5 });
                    step = 2;
                }
                await SteppedWatch.WaitForTrafficAsync(load, 40);
            });

        var described = HealthHarness.Describe(samples);
        var restart = samples.First(s => s.Signals.GetValueOrDefault("restarts") > 0);
        // A source's note is kept once, in Notes; Reasons explain the verdict and do not repeat it.
        Assert.Contains(restart.Notes, r => r.Contains("counter reset") && r.Contains("restarted"));
        Assert.DoesNotContain(restart.Reasons, r => r.Contains("counter reset"));
        // The restarted process's counters are small: counted whole, never a negative or garbage delta.
        Assert.InRange(restart.Requests!.Value, 0, 2000);
        Assert.All(samples.Where(s => s.Requests is not null), s => Assert.True(s.Requests >= 0 && s.ErrorRate is null or >= 0 and <= 100, described));
        Assert.DoesNotContain(samples.TakeWhile(s => s.Sequence <= restart.Sequence), s => s.Verdict == HealthVerdict.Rollback);
        Assert.Equal(("errorRate", HealthVerdict.Rollback), (decision.Rule, decision.Verdict));
        Assert.True(decision.Sequence > restart.Sequence);
        // The 1 s for: window on the 500 ms schedule: breaching from one sample, rolled back exactly two samples later.
        Assert.Equal(TimeSpan.FromSeconds(1), decision.Elapsed - decision.SinceElapsed!.Value);
        Assert.Equal(SteppedWatch.Every(500, (int)decision.Elapsed.TotalMilliseconds), SteppedWatch.ElapsedMs(samples));
    }

    [Fact]
    public async Task A_gauge_named_in_the_configuration_becomes_a_signal_its_own_rule_judges()
    {
        using var app = new DemoAppProcess();
        await using var slow = new LoadGenerator(app.BaseUrl + "/slow?ms=2000", concurrency: 4, pauseMs: 0);
        using var file = HealthHarness.Config("""
            interval: 500ms
            scrape:
              targets: [app]
              gauges: { inFlight: demo_active_connections }
            rules:
              - name: tooManyInFlight
                signal: inFlight
                comparison: atLeast
                threshold: 3
                severity: investigate
            """, app.BaseUrl);

        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(10), Until = WatchUntil.Decision });

        Assert.Equal(("tooManyInFlight", HealthVerdict.Investigate), (decision.Rule, decision.Verdict));
        Assert.InRange(samples[^1].Signals["inFlight"], 3, 10);
    }
}
