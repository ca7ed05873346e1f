using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>When the evidence is thin or broken: low traffic, scrape errors, malformed metrics, restarts.</summary>
public sealed class EvidenceWatchTests
{
    [Fact]
    public async Task A_quiet_window_is_Inconclusive_even_when_half_of_its_few_requests_fail()
    {
        using var app = new DemoAppProcess();
        await app.SetFaultsAsync(new { errorRate = 0.5 });
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work", concurrency: 1, pauseMs: 150);
        using var file = HealthHarness.Config(HealthHarness.Scrape.Replace("minRequests: 10", "minRequests: 50"), app.BaseUrl);

        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(3) });

        var described = HealthHarness.Describe(samples);
        Assert.All(samples, s => Assert.Equal(HealthVerdict.Inconclusive, s.Verdict));
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
        // Per sample the traffic stays under minRequests; a busy host may leave one sample with none at all, so
        // "there was traffic" is asserted over the whole watch.
        Assert.All(samples, s => Assert.True(s.Requests is null or < 50, described));
        Assert.True(samples.Sum(s => s.Requests ?? 0) > 0, described);
        Assert.All(samples, s => Assert.Contains(s.Reasons, r => r.Contains("too little traffic")));
        Assert.Contains(samples, s => s.ErrorRate > 5); // the raw rate is recorded, but it is not evidence
    }

    [Fact]
    public async Task A_killed_application_refusing_the_scrape_is_down_at_once_not_a_scrape_error_that_holds_Healthy()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(HealthHarness.Scrape, app.BaseUrl);
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(5) });
        await HealthHarness.WaitForSamplesAsync(sink, 2, s => s.Verdict == HealthVerdict.Healthy);
        app.Kill(); // no health endpoint is configured: all the watch sees is the metrics port refusing
        var decision = await watch;
        var samples = sink.RecordsOf<HealthSample>().ToList();

        var described = HealthHarness.Describe(samples);
        Assert.All(samples.Where(s => s.Verdict == HealthVerdict.Healthy), s => Assert.Equal(0, s.Signals["refused"]));
        var down = samples.SkipWhile(s => s.Signals.GetValueOrDefault("refused") == 0).ToList();
        Assert.True(down.Count >= 2, described);
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

    [Fact]
    public async Task A_target_that_answers_something_else_than_metrics_is_a_scrape_error_naming_the_line()
    {
        using var app = new DemoAppProcess();
        using var file = HealthHarness.Config(HealthHarness.Scrape.Replace("targets: [app]", $"targets: [\"{app.BaseUrl}/version\"]"), app.BaseUrl);
        // Long enough for four samples even on a loaded machine (a slow sample delays the schedule, never skips it).
        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(4) });

        Assert.All(samples, s => Assert.Contains("malformed exposition, line 1, column 1: expected a metric name, got '{'", s.SourceErrors[0]));
        Assert.True(samples.Count >= 4, HealthHarness.Describe(samples));
        Assert.Equal(HealthVerdict.Inconclusive, samples[3].Verdict);
        Assert.Equal(HealthVerdict.Inconclusive, samples[^1].Verdict);
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
    }

    [Fact]
    public async Task Counters_reset_by_a_restart_count_from_zero_and_errors_after_it_are_still_caught()
    {
        var port = FreePort.Next();
        using var app = new DemoAppProcess(port: port);
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(HealthHarness.Scrape + "\n  - name: errorRate\n    for: 1s", app.BaseUrl);
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(30) });
        await HealthHarness.WaitForSamplesAsync(sink, 3, s => s.Verdict == HealthVerdict.Healthy);
        app.Stop();
        app.Start();
        await HealthHarness.WaitForSamplesAsync(sink, 1, s => s.Signals.GetValueOrDefault("restarts") > 0);
        await HealthHarness.WaitForSamplesAsync(sink, 1, s => s.Verdict == HealthVerdict.Healthy && s.Sequence > sink.RecordsOf<HealthSample>().First(x => x.Signals.GetValueOrDefault("restarts") > 0).Sequence);
        await app.SetFaultsAsync(new { errorRate = 0.5 });
        var decision = await watch;
        var samples = sink.RecordsOf<HealthSample>().ToList();

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
