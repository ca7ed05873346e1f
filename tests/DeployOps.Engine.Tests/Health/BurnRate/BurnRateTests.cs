using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.BurnRate;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health.BurnRate;

/// <summary>The error-budget rule on the observations' clock, with short windows (10m/1m at 14.4×, 30m/5m at 6×).</summary>
public sealed class BurnRateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly BurnRateRule Rule = new("errorBudget", 99.9, new[]
    {
        new BurnWindow(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), 14.4),
        new BurnWindow(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5), 6),
    }, RuleSeverity.Rollback);
    // Only the burn-rate rule: the matrix's own error-rate rules would fire on these rates too.
    private static readonly HealthPolicy Policy = new(Array.Empty<HealthRule>(), HealthPolicy.DefaultPhases, burnRates: new[] { Rule });

    private static HealthObservation At(int minute, double errorRate, double requests = 1000)
    {
        var elapsed = TimeSpan.FromMinutes(minute);
        return new HealthObservation(minute, T0 + elapsed, elapsed,
            new Dictionary<string, double> { ["requests"] = requests, ["errorRate"] = errorRate });
    }

    [Fact]
    public void A_sustained_burn_pages_at_once_and_explains_both_windows()
    {
        var engine = new HealthDecisionEngine(Policy);
        var evaluation = engine.Evaluate(At(1, 2)); // 2 % errors against a 0.1 % budget: 20×
        Assert.Equal(HealthVerdict.Rollback, evaluation.Verdict);
        var finding = Assert.Single(evaluation.Findings);
        Assert.Equal(("errorBudget", "burnRate", 14.4, 20.0), (finding.Rule, finding.Signal, finding.Threshold, Math.Round(finding.Value, 6)));
        Assert.True(evaluation.Reasons.Any(r => r.StartsWith("errorBudget: error budget 0.1% (SLO 99.9%) burning 20× over 10m (1000 requests) and 20× over 60s (1000)", StringComparison.Ordinal)),
            string.Join(" | ", evaluation.Reasons));
    }

    [Fact]
    public void A_short_spike_does_not_page_because_the_long_window_barely_moves()
    {
        var engine = new HealthDecisionEngine(Policy);
        for (var m = 1; m <= 9; m++) Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(m, 0.05)).Verdict);
        // One minute at 2 %: the 1m window burns 20×, the 10m window (0.245 %) only 2.45×; the 30m/5m pair neither.
        var spike = engine.Evaluate(At(10, 2));
        Assert.Equal(HealthVerdict.Healthy, spike.Verdict);
    }

    [Fact]
    public void The_page_stops_soon_after_the_burning_stops_thanks_to_the_short_windows()
    {
        var engine = new HealthDecisionEngine(Policy);
        for (var m = 1; m <= 5; m++) Assert.Equal(HealthVerdict.Rollback, engine.Evaluate(At(m, 2)).Verdict);
        // The 10m window still burns ~16.7×, but the last minute is clean: the fast pair stops at once; the slow pair
        // (30m/5m at 6×) still holds while its 5m window remembers the burn.
        var after = engine.Evaluate(At(6, 0));
        Assert.Equal((HealthVerdict.Rollback, 6.0), (after.Verdict, after.Findings[0].Threshold));
        for (var m = 7; m <= 8; m++) engine.Evaluate(At(m, 0));
        // T+9m: the 5m window (T+5m excluded … T+9m) holds one burning minute of five, 0.4 %: 4×, below 6×.
        Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(9, 0)).Verdict);
    }

    [Fact]
    public void The_slower_pair_pages_a_moderate_burn_the_fast_pair_misses()
    {
        var engine = new HealthDecisionEngine(Policy);
        HealthEvaluation last = null!;
        for (var m = 1; m <= 6; m++) last = engine.Evaluate(At(m, 0.8)); // 8×: below 14.4, above 6
        Assert.Equal(HealthVerdict.Rollback, last.Verdict);
        Assert.Equal(6, last.Findings[0].Threshold);
    }

    [Fact]
    public void Too_little_traffic_in_the_short_window_is_inconclusive()
    {
        var engine = new HealthDecisionEngine(Policy);
        var evaluation = engine.Evaluate(At(1, 50, requests: 10));
        Assert.Equal(HealthVerdict.Inconclusive, evaluation.Verdict);
        Assert.True(evaluation.Reasons.Contains("burnRate unreadable (too little traffic: 10 requests in the last 60s, at least 50 needed): rule errorBudget"),
            string.Join(" | ", evaluation.Reasons));
    }

    [Fact]
    public void Windows_scale_with_the_watch_time_scale()
    {
        var scaled = Rule.Scaled(0.01);
        Assert.Equal((TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(0.6)), (scaled.Windows[0].Long, scaled.Windows[0].Short));
    }

    private const string Head = "application: shop\nenvironment: prod\nendpoints:\n  app: http://127.0.0.1:8080\n";

    [Fact]
    public void Reads_burn_rate_rules_with_default_and_configured_windows()
    {
        using var file = new TempConfig(Head + """
            health:
              probes: [app]
              rules:
                - name: checkoutBudget
                  kind: burnRate
                  slo: 99.5%
                - name: fastBudget
                  kind: burnRate
                  slo: 99.9%
                  severity: investigate
                  windows:
                    - { long: 2m, short: 10s, burnRate: 14.4 }
            """);
        var rules = ConfigLoader.Load(file.Path).Health.Policy.BurnRates.ToDictionary(r => r.Name);
        Assert.Equal(0.5, rules["checkoutBudget"].Budget, 9);
        Assert.Equal(BurnRateRule.DefaultWindows.Select(w => (w.Long, w.Short, w.Factor)), rules["checkoutBudget"].Windows.Select(w => (w.Long, w.Short, w.Factor)));
        Assert.Equal(RuleSeverity.Rollback, rules["checkoutBudget"].Severity);
        var fast = rules["fastBudget"];
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), 14.4, RuleSeverity.Investigate),
            (fast.Windows[0].Long, fast.Windows[0].Short, fast.Windows[0].Factor, fast.Severity));
    }

    [Fact]
    public void Mistakes_are_reported_with_their_line_and_key()
    {
        using var file = new TempConfig(Head + """
            health:
              probes: [app]
              rules:
                - name: noSlo
                  kind: burnRate
                - name: badWindows
                  kind: burnRate
                  slo: 100%
                  windows:
                    - { long: 5m, short: 10m, burnRate: 6 }
                - name: strange
                  kind: budget
            """);
        var errors = ConfigLoader.Validate(file.Path);
        string Find(string path) => Assert.Single(errors, e => e.Path == path).Message;
        Assert.Contains("is required: the objective", Find("health.rules[0].slo"));
        Assert.Contains("between 0% and 100%", Find("health.rules[1].slo"));
        Assert.Contains("must be shorter than the long window", Find("health.rules[1].windows[0].short"));
        Assert.Contains("unknown rule kind 'budget'", Find("health.rules[2].kind"));
        Assert.All(errors, e => Assert.True(e.Line > 4));
    }
}
