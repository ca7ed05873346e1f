using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>The evaluator a canary strategy calls: judge only the canary's instances for one window.</summary>
public sealed class HealthGateTests
{
    [Fact]
    public async Task Gate_judges_the_given_instances_only()
    {
        using var stable = new DemoAppProcess("1.0.0");
        using var canary = new DemoAppProcess("1.1.0");
        await canary.SetFaultsAsync(new { errorRate = 0.5 });
        await using var stableLoad = new LoadGenerator(stable.BaseUrl + "/api/work", concurrency: 2);
        await using var canaryLoad = new LoadGenerator(canary.BaseUrl + "/api/work", concurrency: 2);
        using var file = HealthHarness.Config(HealthHarness.Scrape + "\n  - name: errorRate\n    for: 1s", stable.BaseUrl);
        var config = ConfigLoader.Load(file.Path);

        var window = new HealthGateWindow { Duration = TimeSpan.FromSeconds(2), Interval = TimeSpan.FromMilliseconds(500) };
        var onStable = await HealthGate.EvaluateAsync(config, window, new RecordingSink(), CancellationToken.None);
        var onCanary = await HealthGate.EvaluateAsync(config, new HealthGateWindow
        {
            Duration = TimeSpan.FromSeconds(10), Interval = TimeSpan.FromMilliseconds(500),
            ScrapeTargets = new[] { canary.BaseUrl + "/metrics" }, DeploymentId = "canary-7",
        }, new RecordingSink(), CancellationToken.None);

        Assert.Equal(HealthVerdict.Healthy, onStable.Verdict);
        Assert.True(HealthGate.Passes(onStable));
        Assert.Equal(("errorRate", HealthVerdict.Rollback), (onCanary.Rule, onCanary.Verdict));
        Assert.False(HealthGate.Passes(onCanary));
        Assert.True(File.Exists(onCanary.RecordPath));
        Assert.Contains(Path.Combine("deployments", "canary-7"), onCanary.RecordPath);
        Assert.Contains(AuditLog(config), l => l.Contains("\"command\":\"HealthGate\"") && l.Contains("canary-7"));
    }

    private static string[] AuditLog(ConfigModel config) => File.ReadAllLines(Path.Combine(config.State.Directory, "audit.jsonl"));
}
