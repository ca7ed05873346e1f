using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The throughput-drop and traffic-flowing rules (issue 13 §4, issue 16 §2) on a fake clock: a fall of the request
/// rate against the rate before the deployment is evidence, and a slowdown that cuts traffic below minRequests still
/// rolls back on its latency instead of hiding as Inconclusive.
/// </summary>
public sealed class ThroughputDropTests
{
    private static IReadOnlyDictionary<string, double> Rates(double now, double? before = 20, double requests = 1200, double? p95 = null)
    {
        var signals = new Dictionary<string, double>
        {
            [HealthSignals.Requests] = requests, [HealthSignals.ErrorRate] = 0, [HealthSignals.RequestRate] = now,
        };
        if (before is { } b) signals[HealthSignals.RequestRateBefore] = b;
        if (p95 is { } p) signals[HealthSignals.P95] = p;
        return signals;
    }

    [Fact]
    public async Task A_drop_of_more_than_half_the_rate_before_the_deployment_is_Investigate()
    {
        using var file = HealthHarness.Config("minRequests: 20\n", "http://127.0.0.1:9");
        // 20 req/s before; 6 req/s (-70 %) from T+2.
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(5),
            t => Rates(t >= TimeSpan.FromMinutes(2) ? 6 : 19));

        Assert.Equal(new[] { HealthVerdict.Healthy, HealthVerdict.Investigate, HealthVerdict.Investigate, HealthVerdict.Investigate, HealthVerdict.Investigate },
            samples.Select(s => s.Verdict));
        Assert.Equal((HealthVerdict.Investigate, "throughputDrop", 50.0, 70.0),
            (decision.Verdict, decision.Rule, decision.Threshold!.Value, Math.Round(decision.Value!.Value, 6)));
        Assert.Equal(TimeSpan.FromMinutes(2), decision.SinceElapsed);
        Assert.Contains(samples[1].Reasons, r => r.Contains("throughputDrop") && r.Contains("70%"));
    }

    [Fact]
    public async Task Configured_as_Rollback_the_drop_rolls_back_exactly_when_its_for_window_is_complete_and_replays_identically()
    {
        using var file = HealthHarness.Config("""
            minRequests: 20
            rules:
              - name: throughputDrop
                threshold: 30%
                for: 3m
                severity: rollback
            """, "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(10),
            t => Rates(t >= TimeSpan.FromMinutes(1) ? 10 : 20));

        Assert.Equal((HealthVerdict.Rollback, "throughputDrop"), (decision.Verdict, decision.Rule));
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(4)), (decision.SinceElapsed!.Value, decision.Elapsed));
        Assert.Equal(new[] { 1, 2, 3, 4 }, samples.Select(s => (int)s.Elapsed.TotalMinutes));

        // The drop is derived from the recorded raw rates, so -Replay judges it again identically.
        var samplesFile = Path.Combine(Path.GetDirectoryName(decision.RecordPath)!, "health-samples.jsonl");
        var replay = HealthReplay.Run(samplesFile, DeployOps.Engine.Configuration.ConfigLoader.Load(file.Path).Health.Policy);
        Assert.True(replay.ReproducesRecording, string.Join("\n", replay.Differences));
        Assert.Equal((decision.Rule, decision.Value), (replay.Decision.Rule, replay.Decision.Value));
    }

    [Fact]
    public async Task A_slowdown_that_cuts_traffic_below_minRequests_rolls_back_on_its_p95_and_reports_the_drop()
    {
        // Closed-loop clients: +600 ms per request leaves 26 requests in the window (minRequests 50), p95 975 ms.
        using var file = HealthHarness.Config("""
            rules:
              - name: latencyP95
                threshold: 500ms
            """, "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(3),
            t => Rates(now: 0.43, before: 20, requests: 26, p95: 975));

        Assert.Equal(HealthVerdict.Rollback, samples[0].Verdict);
        Assert.Equal((HealthVerdict.Rollback, "latencyP95", 975.0), (decision.Verdict, decision.Rule, decision.Value!.Value));
        // 0.43 req/s against 20 before: the drop is reported beside the latency rule that decides.
        Assert.Contains(samples[0].Reasons, r => r.StartsWith("throughputDrop: throughputDrop 97.85% > 50%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_rate_before_the_deployment_the_drop_rule_does_not_apply()
    {
        using var file = HealthHarness.Config("minRequests: 20\n", "http://127.0.0.1:9");
        var (noBaseline, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(3), _ => Rates(1, before: null));
        Assert.All(noBaseline, s => Assert.Equal(HealthVerdict.Healthy, s.Verdict));
        var (silentBefore, _) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(3), _ => Rates(1, before: 0));
        Assert.All(silentBefore, s => Assert.Equal(HealthVerdict.Healthy, s.Verdict));
        Assert.Equal(HealthVerdict.Healthy, decision.Verdict);
    }

    [Fact]
    public void An_unreadable_request_rate_leaves_the_drop_unreadable_and_the_sample_Inconclusive()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default.With(rules: HealthPolicy.DefaultRules.Where(r => r.Name == "throughputDrop").ToList()));
        var t = TimeSpan.FromMinutes(1);
        var evaluation = engine.Evaluate(new HealthObservation(1, DateTimeOffset.UnixEpoch + t, t,
            new Dictionary<string, double> { [HealthSignals.RequestRateBefore] = 20 },
            new Dictionary<string, string> { [HealthSignals.RequestRate] = "every scrape failed" }));
        Assert.Equal(HealthVerdict.Inconclusive, evaluation.Verdict);
        Assert.Contains("throughputDrop unreadable (request rate unreadable: every scrape failed): rule throughputDrop", evaluation.Reasons);
    }

    [Fact]
    public async Task Traffic_flowing_once_enabled_with_a_floor_is_Investigate_while_the_rate_stays_below_it()
    {
        using var file = HealthHarness.Config("""
            minRequests: 0
            rules:
              - name: trafficFlowing
                enabled: true
                threshold: 5
            """, "http://127.0.0.1:9");
        // After maintenance exit traffic returns slowly: 0, 2, then 8 req/s from T+3.
        var (samples, _) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(4),
            t => Rates(t < TimeSpan.FromMinutes(2) ? 0 : t < TimeSpan.FromMinutes(3) ? 2 : 8, before: null));
        Assert.Equal(new[] { HealthVerdict.Investigate, HealthVerdict.Investigate, HealthVerdict.Healthy, HealthVerdict.Healthy },
            samples.Select(s => s.Verdict));
        Assert.True(samples[0].Reasons.Any(r => r.StartsWith("trafficFlowing: requestRate 0 < 5", StringComparison.Ordinal)), string.Join("\n", samples[0].Reasons));
    }
}
