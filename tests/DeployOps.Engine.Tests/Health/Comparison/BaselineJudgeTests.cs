using DeployOps.Engine.Health.Comparison;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Tests.Health.Comparison;

/// <summary>The judge's rules on hand-made counts (the scenario set covers them on realistic streams).</summary>
public sealed class BaselineJudgeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly HealthPolicy Policy = HealthPolicy.Default.With(comparisons: new[] { ComparisonRule.Defaults[0] });
    private int _sequence;

    private HealthObservation At(int minute, double canaryRequests, double canaryErrors, double baselineRequests, double baselineErrors)
    {
        var elapsed = TimeSpan.FromMinutes(minute);
        return new HealthObservation(++_sequence, T0 + elapsed, elapsed, new Dictionary<string, double>
        {
            ["canary.requests"] = canaryRequests, ["canary.errors"] = canaryErrors,
            ["baseline.requests"] = baselineRequests, ["baseline.errors"] = baselineErrors,
        });
    }

    [Fact]
    public void A_certain_but_harmless_difference_passes_and_says_so()
    {
        var engine = new HealthDecisionEngine(Policy);
        // 4.4 % against 4.0 % on 100,000 requests each: p far below 0.05, but +0.4 pp and 1.1× are within the allowance.
        var evaluation = engine.Evaluate(At(1, 100_000, 4_400, 100_000, 4_000));
        Assert.Equal(HealthVerdict.Healthy, evaluation.Verdict);
        var comparison = Assert.Single(evaluation.Comparisons);
        Assert.Equal(ComparisonOutcome.Pass, comparison.Outcome);
        Assert.True(comparison.PValue < 1e-4);
        Assert.True(comparison.Explanation.Contains("certainly higher but within the allowance", StringComparison.Ordinal), comparison.Explanation);
        Assert.Equal((100_000.0, 4_400.0, 4.4), (comparison.Canary.Requests, comparison.Canary.Errors, comparison.Canary.ErrorRate!.Value));
    }

    [Fact]
    public void A_regression_fails_with_its_evidence_in_the_finding_and_the_reasons()
    {
        var engine = new HealthDecisionEngine(Policy);
        var evaluation = engine.Evaluate(At(1, 10_000, 200, 10_000, 100));
        Assert.Equal(HealthVerdict.Rollback, evaluation.Verdict);
        var finding = Assert.Single(evaluation.Findings);
        Assert.Equal(("errorRateVsBaseline", 2.0, 2.0), (finding.Rule, finding.Value, finding.Threshold));
        Assert.Contains(evaluation.Reasons, r => r.Contains("Fisher exact test, one-sided p=", StringComparison.Ordinal)
            && r.Contains("canary 200/10000 errors (2%)", StringComparison.Ordinal) && r.Contains("baseline 100/10000 errors (1%)", StringComparison.Ordinal));
    }

    [Fact]
    public void Too_few_requests_are_inconclusive_never_pass_or_fail()
    {
        var engine = new HealthDecisionEngine(Policy);
        var evaluation = engine.Evaluate(At(1, 40, 20, 40, 0));
        Assert.Equal(HealthVerdict.Inconclusive, evaluation.Verdict);
        Assert.Contains("too little evidence: 40 canary and 40 baseline requests", evaluation.Comparisons[0].Explanation);
    }

    [Fact]
    public void A_canary_whose_traffic_drops_is_inconclusive_and_the_drop_is_reported()
    {
        var engine = new HealthDecisionEngine(Policy);
        for (var m = 1; m <= 3; m++) Assert.Equal(HealthVerdict.Healthy, engine.Evaluate(At(m, 2000, 2, 2000, 2)).Verdict);
        var dropped = engine.Evaluate(At(4, 10, 0, 2000, 2));
        Assert.Equal(HealthVerdict.Inconclusive, dropped.Verdict);
        Assert.Contains("traffic to the canary dropped: 10 requests in the last interval against a mean of 2000", dropped.Reasons.Single());
    }

    [Fact]
    public void A_missing_value_is_inconclusive_not_a_rollback()
    {
        var engine = new HealthDecisionEngine(Policy);
        var elapsed = TimeSpan.FromMinutes(1);
        var evaluation = engine.Evaluate(new HealthObservation(1, T0 + elapsed, elapsed,
            new Dictionary<string, double> { ["baseline.requests"] = 2000, ["baseline.errors"] = 1 },
            new Dictionary<string, string> { ["canary.requests"] = "query returned no data", ["canary.errors"] = "query returned no data" }));
        Assert.Equal(HealthVerdict.Inconclusive, evaluation.Verdict);
        Assert.Contains("no canary value in the last interval (canary.requests: query returned no data)", evaluation.Reasons.Single());
    }

    [Fact]
    public void Without_per_version_counts_the_comparison_does_not_apply()
    {
        var engine = new HealthDecisionEngine(Policy);
        var elapsed = TimeSpan.FromMinutes(1);
        var evaluation = engine.Evaluate(new HealthObservation(1, T0 + elapsed, elapsed,
            new Dictionary<string, double> { ["requests"] = 1000, ["errorRate"] = 0.1 }));
        Assert.Equal(HealthVerdict.Healthy, evaluation.Verdict);
        Assert.Empty(evaluation.Comparisons);
    }

    [Fact]
    public void The_window_slides_on_the_observations_clock()
    {
        var engine = new HealthDecisionEngine(Policy.Scaled(0.2)); // a 1-minute window
        engine.Evaluate(At(1, 5000, 500, 5000, 5));
        // Two minutes later the bad minute is outside the window: only the healthy counts are judged.
        var evaluation = engine.Evaluate(At(3, 5000, 5, 5000, 5));
        Assert.Equal((5000.0, 5.0), (evaluation.Comparisons[0].Canary.Requests, evaluation.Comparisons[0].Canary.Errors));
        Assert.Equal(HealthVerdict.Healthy, evaluation.Verdict);
    }
}
