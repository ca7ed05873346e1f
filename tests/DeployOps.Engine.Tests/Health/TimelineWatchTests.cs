using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>The runbook timeline, compressed 60× (a minute becomes a second), against the real demo app.</summary>
public sealed class TimelineWatchTests
{
    [Fact]
    public async Task Four_percent_errors_pass_the_early_5_percent_phase_and_roll_back_once_the_settling_phase_tightens_to_2_percent()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config("""
            minRequests: 20
            scrape:
              targets: [app]
              memoryGrowthWindow: 4s
            rules:
              - name: memoryGrowth
                threshold: 300
              - name: errorRateWarning
                enabled: false
            """, app.BaseUrl);
        await app.SetFaultsAsync(new { errorRate = 0.04 });

        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { TimeScale = 1.0 / 60, Duration = TimeSpan.FromSeconds(30) });

        var described = HealthHarness.Describe(samples);
        var early = samples.Where(s => s.Phase == "early").ToList();
        Assert.True(early.Count >= 4, described); // every (compressed) minute during T+0-5
        Assert.DoesNotContain(early, s => s.Verdict == HealthVerdict.Rollback);
        Assert.Equal(HealthVerdict.Rollback, decision.Verdict);
        Assert.Equal(("errorRate", "settling", 2.0), (decision.Rule, decision.Phase, decision.Threshold!.Value));
        Assert.InRange(decision.Value!.Value, 2, 8);
        // In the settling phase samples come every (compressed) 5 minutes.
        var settling = samples.Where(s => s.Phase == "settling").ToList();
        Assert.True(settling.Count >= 2, described);
        Assert.InRange((settling[^1].Elapsed - settling[^2].Elapsed).TotalSeconds, 4, 6.5);
        // Sustained 5 (compressed) minutes at the tighter threshold.
        Assert.True(decision.Elapsed - decision.SinceElapsed!.Value >= TimeSpan.FromSeconds(5), described);
    }
}
