using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Comparison;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health.Comparison;

/// <summary>
/// The judge on real processes: two demo-app instances (stable and canary) under load, scraped per version. The
/// watch runs on the stepped fake clock; the canary gate builds its own watch on the system clock (its context
/// carries no clock) and asserts only verdicts and records, no time windows.
/// </summary>
public sealed class ComparisonWatchTests
{
    // Short windows so a test judges seconds of traffic; p50/p99 off (p99 needs 1000 observations per window).
    private const string Compare = """
        compare: baseline
        rules:
          - name: errorRateVsBaseline
            window: 30s
          - name: p95VsBaseline
            window: 30s
          - name: p50VsBaseline
            enabled: false
          - name: p99VsBaseline
            enabled: false
        """;

    [Fact]
    public async Task The_canary_gate_fails_a_canary_that_errs_more_than_its_baseline_and_says_why()
    {
        using var stable = new DemoAppProcess("1.0.0");
        using var canary = new DemoAppProcess("1.1.0");
        await canary.SetFaultsAsync(new { errorRate = 0.3 });
        await using var stableLoad = new LoadGenerator(stable.BaseUrl + "/api/work", concurrency: 2);
        await using var canaryLoad = new LoadGenerator(canary.BaseUrl + "/api/work", concurrency: 2);
        using var file = HealthHarness.Config("minRequests: 10\nscrape:\n  targets: [app]\n" + Compare, stable.BaseUrl);
        var config = ConfigLoader.Load(file.Path);
        var sink = new RecordingSink();

        var result = await new DecisionMatrixCanaryGate().EvaluateAsync(new CanaryGateContext(config, "canary-judge", "1.1.0",
            new DeploymentTarget("green", "127.0.0.1", canary.Port), new DeploymentTarget("blue", "127.0.0.1", stable.Port), 10,
            TimeSpan.FromSeconds(20), sink), CancellationToken.None);

        Assert.Equal(CanaryVerdict.Fail, result.Verdict);
        Assert.Contains("errorRateVsBaseline Fail", result.Reason);
        var record = Directory.GetFiles(Path.Combine(config.State.Directory, "deployments", "canary-judge"), "decision-*.json")
            .Select(File.ReadAllText).First(t => t.Contains("\"verdict\": \"rollback\"", StringComparison.Ordinal));
        Assert.Contains("\"comparisons\"", record);
        Assert.Contains("\"baseline\"", record);
        Assert.Contains("Fisher exact test", record);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_watch_of_two_equal_versions_passes_every_comparison_even_when_both_err()
    {
        using var stable = new DemoAppProcess("1.0.0");
        using var canary = new DemoAppProcess("1.0.0");
        // A failing dependency: both versions at 20 % errors. The matrix alone would roll back; the judge sees no difference.
        await stable.SetFaultsAsync(new { errorRate = 0.2 });
        await canary.SetFaultsAsync(new { errorRate = 0.2 });
        await using var stableLoad = new LoadGenerator(stable.BaseUrl + "/api/work", concurrency: 2);
        await using var canaryLoad = new LoadGenerator(canary.BaseUrl + "/api/work", concurrency: 2);
        using var file = HealthHarness.Config($"""
            interval: 1s
            minRequests: 10
            scrape:
              targets: [app]
              canary: ["{canary.BaseUrl}/metrics"]
              baseline: ["{stable.BaseUrl}/metrics"]
            """ + "\n" + Compare, stable.BaseUrl);

        var (samples, _, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(6), StopOnRollback = false, Clock = clock },
            _ => Task.WhenAll(SteppedWatch.WaitForTrafficAsync(stableLoad, 50), SteppedWatch.WaitForTrafficAsync(canaryLoad, 50)));

        Assert.Equal(SteppedWatch.Every(1000, 6000), SteppedWatch.ElapsedMs(samples));
        var judged = samples.Where(s => s.Comparisons.Count > 0).ToList();
        Assert.NotEmpty(judged);
        var last = judged[^1].Comparisons.Single(c => c.Rule == "errorRateVsBaseline");
        Assert.True(last.Outcome != ComparisonOutcome.Fail, last.Explanation);
        Assert.All(judged.SelectMany(s => s.Comparisons), c => Assert.NotEqual(ComparisonOutcome.Fail, c.Outcome));
        Assert.InRange(last.Canary.ErrorRate!.Value, 10, 30);
        Assert.InRange(last.Baseline.ErrorRate!.Value, 10, 30);
        // The plain matrix still sees the stable instance's own 20 %.
        Assert.Contains(judged, s => s.Reasons.Any(r => r.StartsWith("errorRate", StringComparison.Ordinal) && !r.Contains("VsBaseline", StringComparison.Ordinal)));
    }
}
