using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The runbook timeline and the rules' <c>for:</c> windows on a fake clock, at full scale (minutes are minutes):
/// exact sample times, phases and decision times, no real waiting and nothing a loaded machine can stretch.
/// </summary>
public sealed class FakeClockTimelineTests
{
    private const string Health = "minRequests: 20\nrules:\n  - name: errorRateWarning\n    enabled: false\n";

    [Fact]
    public async Task Four_percent_passes_the_early_phase_and_rolls_back_exactly_five_minutes_into_the_settling_phase()
    {
        using var file = HealthHarness.Config(Health, "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(30), _ => FakeClockWatch.Traffic(4));

        // Every minute during T+0-5 (early, 5 %), then every 5 minutes (settling, 2 %).
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 10 }, samples.Select(s => (int)s.Elapsed.TotalMinutes));
        Assert.Equal(new[] { "early", "early", "early", "early", "settling", "settling" }, samples.Select(s => s.Phase));
        Assert.DoesNotContain(samples.Take(4), s => s.Verdict == HealthVerdict.Rollback);
        Assert.Equal((HealthVerdict.Rollback, "errorRate", "settling", 2.0, 4.0),
            (decision.Verdict, decision.Rule, decision.Phase, decision.Threshold!.Value, decision.Value!.Value));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)), (decision.SinceElapsed!.Value, decision.Elapsed));
    }

    [Fact]
    public async Task A_breach_shorter_than_its_for_window_is_not_a_rollback()
    {
        // 8 % for minutes 1-4 only (the errorRate rule needs 5 minutes above 5 %), then clean.
        using var file = HealthHarness.Config(Health, "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(20),
            t => FakeClockWatch.Traffic(t <= TimeSpan.FromMinutes(4) ? 8 : 0));

        Assert.Equal(new[] { 1, 2, 3, 4, 5, 10, 15, 20 }, samples.Select(s => (int)s.Elapsed.TotalMinutes));
        Assert.DoesNotContain(samples, s => s.Verdict == HealthVerdict.Rollback);
        Assert.NotEqual(HealthVerdict.Rollback, decision.Verdict);
    }

    [Fact]
    public async Task A_breach_that_lasts_its_for_window_rolls_back_at_the_first_sample_that_completes_it()
    {
        using var file = HealthHarness.Config(Health, "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(20),
            t => FakeClockWatch.Traffic(t >= TimeSpan.FromMinutes(2) ? 8 : 0));

        // Breaching since T+2; the 5 minutes are complete at T+7, but samples come at T+5 and T+10 (settling): T+10.
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 10 }, samples.Select(s => (int)s.Elapsed.TotalMinutes));
        Assert.Equal((HealthVerdict.Rollback, "errorRate"), (decision.Verdict, decision.Rule));
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)), (decision.SinceElapsed!.Value, decision.Elapsed));
        Assert.Equal(decision.Elapsed, samples[^1].Elapsed); // it stopped there: StopOnRollback
    }
}
