using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Comparison;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health.Comparison;

public sealed class ComparisonSettingsTests
{
    private const string Head = "application: shop\nenvironment: prod\nendpoints:\n  app: http://127.0.0.1:8080\n";

    [Fact]
    public void Without_compare_there_are_no_comparison_rules()
    {
        using var file = new TempConfig(Head + "health:\n  probes: [app]\n");
        Assert.Empty(ConfigLoader.Load(file.Path).Health.Policy.Comparisons);
    }

    [Fact]
    public void Compare_baseline_adds_the_defaults_and_rules_tune_or_add_comparisons()
    {
        using var file = new TempConfig(Head + """
            health:
              probes: [app]
              compare: baseline
              rules:
                - name: errorRateVsBaseline
                  allowedIncrease: 1%
                  allowedRatio: 2x
                  confidence: 99%
                  test: z
                  window: 10m
                  minRequests: 500
                  trafficDrop: 10%
                - name: p99VsBaseline
                  enabled: false
                - name: checkoutP95
                  compare: baseline
                  signal: p95
                  allowedIncrease: 100ms
                  allowedRatio: +30%
                  severity: rollback
                  for: 2m
            """);
        var comparisons = ConfigLoader.Load(file.Path).Health.Policy.Comparisons.ToDictionary(c => c.Name);
        var errors = comparisons["errorRateVsBaseline"];
        Assert.Equal((1.0, 2.0, 0.99, ProportionTest.Z, TimeSpan.FromMinutes(10), 500, 0.1),
            (errors.AllowedIncrease, errors.AllowedRatio, errors.Confidence, errors.Test, errors.Window, errors.MinRequests, errors.TrafficDropRatio));
        Assert.False(comparisons["p99VsBaseline"].Enabled);
        Assert.True(comparisons["p95VsBaseline"].Enabled);
        var checkout = comparisons["checkoutP95"];
        Assert.Equal(("p95", 100.0, 1.3, RuleSeverity.Rollback, TimeSpan.FromMinutes(2)),
            (checkout.Signal, checkout.AllowedIncrease, checkout.AllowedRatio, checkout.Severity, checkout.For));
        // The threshold matrix is untouched by comparison entries.
        Assert.Equal(HealthPolicy.DefaultRules.Count, ConfigLoader.Load(file.Path).Health.Policy.Rules.Count);
    }

    [Fact]
    public void Mistakes_are_reported_with_their_line_and_key()
    {
        using var file = new TempConfig(Head + """
            health:
              probes: [app]
              compare: stable
              rules:
                - name: errorRateVsBaseline
                  allowedIncrease: 20ms
                  allowedRatio: 0.5
                  confidence: 1.5
                - name: slow
                  compare: baseline
                  signal: memory
                - name: nosignal
                  compare: canary
                - name: errorRate
                  compare: baseline
            """);
        var errors = ConfigLoader.Validate(file.Path);
        string Find(string path) => Assert.Single(errors, e => e.Path == path).Message;
        Assert.Contains("expected 'baseline'", Find("health.compare"));
        Assert.Contains("expected percentage points like 0.5%, got '20ms'", Find("health.rules[0].allowedIncrease"));
        Assert.Contains("a factor of at least 1", Find("health.rules[0].allowedRatio"));
        Assert.Contains("between 50% and 100%", Find("health.rules[0].confidence"));
        Assert.Contains("'memory' cannot be compared", Find("health.rules[1].signal"));
        Assert.Contains("expected 'baseline', got 'canary'", Find("health.rules[2].compare"));
        Assert.Contains("is required for a new comparison", Find("health.rules[2].signal"));
        Assert.Contains("already a threshold rule", Find("health.rules[3].name"));
        Assert.All(errors, e => Assert.True(e.Line > 4));
    }
}
