using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Tests.Health;

/// <summary>The seeds' resource thresholds (> 80 % Investigate), for:, and the health.resources settings' validation.</summary>
public sealed class ResourceRuleTests
{
    private static IReadOnlyDictionary<string, double> Resources(double cpu, double memory) =>
        new Dictionary<string, double> { [HealthSignals.CpuPercent] = cpu, [HealthSignals.MemoryPercent] = memory };

    [Fact(Timeout = 60_000)]
    public async Task Above_80_percent_is_Investigate_at_once_and_80_itself_is_Healthy()
    {
        using var file = HealthHarness.Config("interval: 10s\nresources:\n  process: shop\n", "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(5),
            elapsed => Resources(elapsed < TimeSpan.FromSeconds(45) ? 80 : 80.5, 40), WatchUntil.Decision);
        Assert.Equal((HealthVerdict.Investigate, "cpuPercent", 80.5, 80.0), (decision.Verdict, decision.Rule, decision.Value, decision.Threshold));
        Assert.All(samples.SkipLast(1), s => Assert.Equal(HealthVerdict.Healthy, s.Verdict));
        Assert.Contains("cpuPercent", decision.Reasons[0]);
    }

    [Fact(Timeout = 60_000)]
    public async Task With_for_a_breach_is_pending_Investigate_until_it_has_lasted_the_whole_duration()
    {
        // memoryPercent made a Rollback after 2 minutes above 90 %: a dip at 1:40 restarts the breach.
        using var file = HealthHarness.Config(
            "interval: 10s\nresources:\n  process: shop\nrules:\n  - name: memoryPercent\n    threshold: 90\n    for: 2m\n    severity: rollback\n",
            "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(5),
            elapsed => Resources(10, elapsed >= TimeSpan.FromSeconds(95) && elapsed < TimeSpan.FromSeconds(105) ? 85 : 95));
        Assert.Equal((HealthVerdict.Rollback, "memoryPercent", 90.0), (decision.Verdict, decision.Rule, decision.Threshold));
        var dip = Assert.Single(samples, s => s.Signals[HealthSignals.MemoryPercent] == 85);
        Assert.Equal(HealthVerdict.Healthy, dip.Verdict);
        Assert.Equal(dip.Elapsed + TimeSpan.FromSeconds(10), decision.SinceElapsed);
        Assert.Equal(decision.SinceElapsed + TimeSpan.FromMinutes(2), decision.Elapsed);
        // Before it lasted 2 minutes the breach was pending: Investigate, never Rollback.
        Assert.All(samples.Where(s => s.Elapsed < decision.Elapsed && s != dip), s => Assert.Equal(HealthVerdict.Investigate, s.Verdict));
    }

    [Fact(Timeout = 60_000)]
    public async Task Unreadable_resources_alone_are_Inconclusive_never_Healthy()
    {
        using var file = HealthHarness.Config("interval: 10s\nresources:\n  pidFile: /nonexistent/app.pid\n", "http://127.0.0.1:9");
        var config = ConfigLoader.Load(file.Path);
        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(2), Interval = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
        Assert.Contains(samples[0].Reasons, r => r.StartsWith("memoryPercent unreadable (pid file /nonexistent/app.pid cannot be read", StringComparison.Ordinal));
        Assert.Equal("/nonexistent/app.pid", config.Health.Resources!.PidFile);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("resources: {}\n", 6, "health.resources: give one of pidFile:")]
    [InlineData("resources:\n  pidFile: /run/app.pid\n  process: shop\n", 7, "health.resources: give one of pidFile:")]
    [InlineData("resources:\n  process: ''\n", 7, "health.resources.process: process: must not be empty")]
    [InlineData("resources:\n  process: shop\n  pidfile: /run/app.pid\n", 8, "pidfile")]
    public async Task Bad_resources_settings_name_the_file_line_and_key(string health, int line, string expected)
    {
        using var file = HealthHarness.Config(health, "http://127.0.0.1:9");
        var error = Assert.ThrowsAny<Exception>(() => ConfigLoader.Load(file.Path));
        Assert.Contains($"{file.Path}:{line}:", error.Message);
        Assert.Contains(expected, error.Message);
        await Task.CompletedTask;
    }

    [Fact(Timeout = 10_000)]
    public async Task A_relative_pid_file_is_relative_to_the_config_file()
    {
        using var file = HealthHarness.Config("resources:\n  pidFile: run/app.pid\n", "http://127.0.0.1:9");
        var config = ConfigLoader.Load(file.Path);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(file.Path)!, "run", "app.pid"), config.Health.Resources!.PidFile);
        await Task.CompletedTask;
    }
}
