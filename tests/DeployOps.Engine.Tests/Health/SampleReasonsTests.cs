using DeployOps.Engine.Audit;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// A sample's Reasons explain its verdict; the sources' notes (why the health endpoint failed, a counter reset) are in
/// Notes. Reasons used to append the notes too, so a failing endpoint read twice in the Reasons column (the crash rule
/// and the probe's note). A decision record, which has no Notes, keeps them as evidence.
/// </summary>
public sealed class SampleReasonsTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sample_reasons_do_not_repeat_the_notes_and_each_finding_appears_once()
    {
        var run = new HealthRun(HealthPolicy.Default, new Redactor(), "w1", null);
        const string note = "health endpoint http://127.0.0.1:1/health failed (3 in a row): Connection refused";
        var observation = new HealthObservation(1, T0, TimeSpan.FromSeconds(5),
            new Dictionary<string, double> { [HealthSignals.HealthDown] = 3 }, notes: new[] { note });

        var (sample, decision) = run.Step(observation);

        Assert.Equal(HealthVerdict.Rollback, sample.Verdict);
        Assert.Equal(new[] { note }, sample.Notes);
        Assert.DoesNotContain(note, sample.Reasons);
        Assert.Single(sample.Reasons, r => r.StartsWith("crash:", StringComparison.Ordinal));
        Assert.Equal(sample.Reasons.Count, sample.Reasons.Distinct().Count());
        Assert.NotNull(decision);
        Assert.Contains(note, decision!.Reasons);
        Assert.Equal(decision.Reasons.Count, decision.Reasons.Distinct().Count());
    }

    [Theory]
    [InlineData(0.85, "T+850ms")]
    [InlineData(12.54, "T+12.5s")]
    [InlineData(65, "T+1m05s")]
    [InlineData(3599, "T+59m59s")]
    [InlineData(7380, "T+2h03m")]
    public void Timeline_offsets_read_as_durations_of_at_most_eight_characters(double seconds, string expected)
    {
        var text = DisplayFormat.Offset(TimeSpan.FromSeconds(seconds));
        Assert.Equal(expected, text);
        Assert.True(text.Length <= 8);
    }
}

public sealed class UnreadableReasonsTests
{
    [Fact]
    public void An_unreadable_signal_is_one_reason_naming_every_rule_it_feeds()
    {
        var engine = new HealthDecisionEngine(HealthPolicy.Default);
        var t0 = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var evaluation = engine.Evaluate(new HealthObservation(1, t0, TimeSpan.FromMinutes(1),
            new Dictionary<string, double> { ["requests"] = 3, ["errorRate"] = 10, ["p95"] = 100 }));

        Assert.Equal(HealthVerdict.Inconclusive, evaluation.Verdict);
        var errorRate = Assert.Single(evaluation.Reasons, r => r.StartsWith("errorRate unreadable", StringComparison.Ordinal));
        Assert.Contains("too little traffic: 3 requests", errorRate);
        Assert.EndsWith("rules errorRate, errorRateWarning", errorRate);
        Assert.Single(evaluation.Reasons, r => r.StartsWith("p95 unreadable", StringComparison.Ordinal));
        Assert.Equal(evaluation.Reasons.Count, evaluation.Reasons.Distinct().Count());
    }
}
