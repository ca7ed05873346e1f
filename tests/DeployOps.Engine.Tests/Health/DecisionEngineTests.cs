using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Tests.Health;

public sealed class DecisionEngineTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private int _sequence;

    private HealthObservation At(double minutes, double? errorRate = null, double requests = 1000, double? p95 = null,
        IReadOnlyList<string>? errors = null, IDictionary<string, double>? extra = null)
    {
        var signals = new Dictionary<string, double> { ["requests"] = requests };
        if (errorRate is { } e) signals["errorRate"] = e;
        if (p95 is { } p) signals["p95"] = p;
        if (extra is not null) foreach (var (k, v) in extra) signals[k] = v;
        if (errors is { Count: > 0 }) signals.Clear();
        var unreadable = errors is { Count: > 0 } ? new Dictionary<string, string> { ["errorRate"] = "scrape failed", ["requests"] = "scrape failed" } : null;
        var elapsed = TimeSpan.FromMinutes(minutes);
        return new HealthObservation(++_sequence, T0 + elapsed, elapsed, signals, unreadable, errors);
    }

    [Fact]
    public void Error_rate_above_5_percent_rolls_back_only_after_5_minutes_and_is_Investigate_before()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        var verdicts = new[] { 0, 1, 2, 3, 4, 5 }.Select(m => engine.Evaluate(At(m, errorRate: 8))).ToList();
        Assert.All(verdicts.Take(5), v => Assert.Equal(HealthVerdict.Investigate, v.Verdict));
        Assert.Contains("pending: Rollback after 5m", verdicts[1].Reasons[0]);
        var last = verdicts[5];
        Assert.Equal(HealthVerdict.Rollback, last.Verdict);
        var finding = last.Findings[0];
        Assert.Equal("errorRate", finding.Rule);
        Assert.Equal(TimeSpan.Zero, finding.SinceElapsed);
        Assert.Equal(6, finding.BreachingSamples.Count);
        Assert.Equal("settling", last.Phase); // T+5m: the threshold has tightened to 2 %
        Assert.Equal(2, finding.Threshold);
    }

    [Fact]
    public void A_breach_that_ends_before_its_duration_never_rolls_back()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        var verdicts = new[] { 8.0, 9, 8, 0.1, 8, 8 }.Select((e, i) => engine.Evaluate(At(i * 1.0, errorRate: e)).Verdict).ToList();
        Assert.DoesNotContain(HealthVerdict.Rollback, verdicts);
        Assert.Equal(HealthVerdict.Healthy, verdicts[3]);
    }

    [Fact]
    public void Between_1_and_5_percent_is_Investigate_and_below_1_percent_is_Healthy()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        Assert.Equal(HealthVerdict.Investigate, engine.Evaluate(At(0, errorRate: 3)).Verdict);
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(1, errorRate: 0.5)).Verdict);
    }

    [Fact]
    public void Timeline_tightens_the_error_threshold_from_5_to_2_to_1_percent_then_returns_to_the_baseline()
    {
        var policy = HealthPolicy.Default;
        var rule = policy.Rules.Single(r => r.Name == "errorRate");
        Assert.Equal(("early", 5.0, TimeSpan.FromMinutes(1)), Phase(policy, 3));
        Assert.Equal(("settling", 2.0, TimeSpan.FromMinutes(5)), Phase(policy, 10));
        Assert.Equal(("stable", 1.0, TimeSpan.FromMinutes(10)), Phase(policy, 45));
        Assert.Equal(("baseline", 5.0, TimeSpan.FromMinutes(30)), Phase(policy, 90));

        // 1.5 % sustained: fine at T+0-5 (under 5 %), a rollback once the stable phase holds it to 1 %.
        var engine = new HealthDecisionEngine(policy.With(rules: new[] { rule }));
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(1, errorRate: 1.5)).Verdict);
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(10, errorRate: 1.5)).Verdict);
        Assert.Equal(HealthVerdict.Investigate, engine.Evaluate(At(30, errorRate: 1.5)).Verdict);
        Assert.Equal(HealthVerdict.Rollback, engine.Evaluate(At(40, errorRate: 1.5)).Verdict);

        static (string, double, TimeSpan) Phase(HealthPolicy p, double minutes)
        {
            var phase = p.PhaseAt(TimeSpan.FromMinutes(minutes));
            return (phase.Name, p.ThresholdOf(p.Rules.Single(r => r.Name == "errorRate"), phase), phase.Interval);
        }
    }

    [Fact]
    public void Too_little_traffic_is_Inconclusive_however_bad_the_few_requests_look()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        for (var m = 0; m < 8; m++)
        {
            var evaluation = engine.Evaluate(At(m, errorRate: 66, requests: 3, p95: 9000));
            Assert.Equal(HealthVerdict.Inconclusive, evaluation.Verdict);
            Assert.Contains(evaluation.Reasons, r => r.Contains("too little traffic: 3 requests in the window, at least 50 needed"));
        }
    }

    [Fact]
    public void Scrape_errors_hold_the_verdict_then_become_Inconclusive_at_the_fourth_and_never_Rollback()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(0, errorRate: 0)).Verdict);
        var failed = new[] { "scrape http://x/metrics: connection refused" };
        var verdicts = Enumerable.Range(1, 10).Select(m => engine.Evaluate(At(m, errors: failed))).ToList();
        Assert.Equal(new[] { HealthVerdict.Healthy, HealthVerdict.Healthy, HealthVerdict.Healthy }, verdicts.Take(3).Select(v => v.Verdict));
        Assert.All(verdicts.Skip(3), v => Assert.Equal(HealthVerdict.Inconclusive, v.Verdict));
        Assert.Equal(4, verdicts[3].ConsecutiveSourceErrors);
        Assert.Contains("4 consecutive samples with scrape/query errors (limit 4)", verdicts[3].Reasons[0]);
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(11, errorRate: 0)).Verdict);
    }

    [Fact]
    public void A_held_Rollback_becomes_Investigate_during_scrape_errors()
    {
        var policy = HealthPolicy.Default.With(rules: new[] { new HealthRule("p95", "p95", RuleComparison.Above, 5000, TimeSpan.Zero, RuleSeverity.Rollback) });
        var engine = new HealthDecisionEngine(policy);
        Assert.Equal(HealthVerdict.Rollback, engine.Evaluate(At(0, p95: 9000)).Verdict);
        Assert.Equal(HealthVerdict.Investigate, engine.Evaluate(At(1, errors: new[] { "timeout" })).Verdict);
    }

    [Fact]
    public void Crash_database_and_memory_rules_need_no_traffic()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        var crash = engine.Evaluate(At(0, requests: 0, extra: new Dictionary<string, double> { ["healthDown"] = 3 }));
        Assert.Equal(HealthVerdict.Rollback, crash.Verdict);
        Assert.Equal("crash", crash.Findings[0].Rule);

        engine = new HealthDecisionEngine(HealthPolicy.Default);
        Assert.Equal(HealthVerdict.Investigate, engine.Evaluate(At(0, errorRate: 0, extra: new Dictionary<string, double> { ["dbLatency"] = 250, ["dbDown"] = 0 })).Verdict);
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(1, errorRate: 0, extra: new Dictionary<string, double> { ["dbDown"] = 1 })).Verdict);
        Assert.Equal(HealthVerdict.Rollback, engine.Evaluate(At(2, errorRate: 0, extra: new Dictionary<string, double> { ["dbDown"] = 2 })).Verdict);

        engine = new HealthDecisionEngine(HealthPolicy.Default);
        var leak = engine.Evaluate(At(0, errorRate: 0, extra: new Dictionary<string, double> { ["memoryGrowth"] = 180 }));
        Assert.Equal(("memoryGrowth", HealthVerdict.Rollback), (leak.Findings[0].Rule, leak.Verdict));
    }

    [Fact]
    public void Latency_is_judged_on_fewer_requests_than_the_error_rate_needs()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        Assert.Equal(20, HealthPolicy.Default.MinLatencyRequests);
        var slow = engine.Evaluate(At(0, requests: 30, errorRate: 0, p95: 6000));
        Assert.Equal(("latencyP95", HealthVerdict.Rollback), (slow.Findings[0].Rule, slow.Verdict));

        engine = new HealthDecisionEngine(HealthPolicy.Default);
        var quiet = engine.Evaluate(At(0, requests: 10, errorRate: 0, p95: 6000));
        Assert.Equal(HealthVerdict.Inconclusive, quiet.Verdict);
        Assert.Contains(quiet.Reasons, r => r.Contains("p95 unreadable (too little traffic: 10 requests in the window, at least 20 needed)"));
        Assert.Contains(quiet.Reasons, r => r.Contains("errorRate unreadable (too little traffic: 10 requests in the window, at least 50 needed)"));
        // Never stricter than minRequests unless configured so.
        Assert.Equal(5, HealthPolicy.Default.With(minRequests: 5).MinLatencyRequests);
        Assert.Equal(30, HealthPolicy.Default.With(minRequests: 5, minLatencyRequests: 30).MinLatencyRequests);
    }

    [Fact]
    public void A_refused_connection_is_Investigate_at_once_without_traffic_and_three_failed_probes_still_roll_back()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(0, errorRate: 0, extra: new Dictionary<string, double> { ["refused"] = 0, ["healthDown"] = 0 })).Verdict);
        var down = engine.Evaluate(At(1, requests: 0, extra: new Dictionary<string, double> { ["refused"] = 1, ["healthDown"] = 1 }));
        Assert.Equal(("appDown", HealthVerdict.Investigate), (down.Findings[0].Rule, down.Verdict));
        Assert.Equal(HealthVerdict.Investigate, engine.Evaluate(At(2, requests: 0, extra: new Dictionary<string, double> { ["refused"] = 1, ["healthDown"] = 2 })).Verdict);
        var crash = engine.Evaluate(At(3, requests: 0, extra: new Dictionary<string, double> { ["refused"] = 1, ["healthDown"] = 3 }));
        Assert.Equal(("crash", HealthVerdict.Rollback), (crash.Findings[0].Rule, crash.Verdict));
    }

    [Fact]
    public void Latency_between_2_and_5_seconds_is_Investigate_above_5_is_Rollback()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        Assert.Equal(HealthVerdict.Investigate, engine.Evaluate(At(0, errorRate: 0, p95: 4875)).Verdict);
        Assert.Equal(HealthVerdict.Rollback, engine.Evaluate(At(1, errorRate: 0, p95: 9750)).Verdict);
    }

    [Fact]
    public void Scaling_compresses_phases_and_sustained_durations_alike()
    {
        var scaled = HealthPolicy.Default.Scaled(1.0 / 60);
        Assert.Equal(TimeSpan.FromSeconds(5), scaled.Phases[1].From);
        Assert.Equal(TimeSpan.FromSeconds(1), scaled.Phases[0].Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), scaled.Rules.Single(r => r.Name == "errorRate").For);
    }
}
