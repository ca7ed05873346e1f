using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary><c>for:</c> as every sample (Prometheus) against <c>forMode: average</c> (the mean over the duration).</summary>
public sealed class ForModeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<HealthVerdict> Run(ForMode mode, params double[] errorRates)
    {
        var rule = new HealthRule("errors5m", HealthSignals.ErrorRate, RuleComparison.Above, 5, TimeSpan.FromMinutes(5), RuleSeverity.Rollback, forMode: mode);
        var engine = new HealthDecisionEngine(new HealthPolicy(new[] { rule }, HealthPolicy.DefaultPhases));
        return errorRates.Select((e, m) => engine.Evaluate(new HealthObservation(m, T0.AddMinutes(m), TimeSpan.FromMinutes(m),
            new Dictionary<string, double> { ["requests"] = 1000, ["errorRate"] = e })).Verdict).ToList();
    }

    [Fact]
    public void Every_sample_mode_is_reset_by_one_good_sample_the_average_mode_is_not()
    {
        var rates = new[] { 8.0, 8, 8, 8, 8, 4 };
        Assert.Equal(HealthVerdict.Healthy, Run(ForMode.All, rates)[^1]);
        var average = Run(ForMode.Average, rates);
        Assert.All(average.Take(5), v => Assert.Equal(HealthVerdict.Investigate, v)); // pending until the readings span 5m
        Assert.Equal(HealthVerdict.Rollback, average[^1]); // mean of T+1m..T+5m: 7.2 %
    }

    [Fact]
    public void The_average_mode_ignores_a_single_spike()
    {
        var verdicts = Run(ForMode.Average, 1, 1, 1, 1, 1, 20);
        Assert.Equal(HealthVerdict.Healthy, verdicts[^1]); // mean of the last 5 minutes: 4.8 %
    }

    [Fact]
    public void ForMode_is_read_from_the_configuration()
    {
        using var file = new TempConfig("application: shop\nenvironment: prod\nendpoints:\n  app: http://127.0.0.1:8080\n" + """
            health:
              probes: [app]
              rules:
                - name: errorRate
                  forMode: average
            """);
        var rule = ConfigLoader.Load(file.Path).Health.Policy.Rules.Single(r => r.Name == "errorRate");
        Assert.Equal((ForMode.Average, TimeSpan.FromMinutes(5)), (rule.ForMode, rule.For));
    }
}
