using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The error-rate rules through real scrapes of the demo app's /metrics, and replay of the recorded incident. The
/// watch runs on a <see cref="SteppedClock"/>: each 500 ms window holds real traffic, its timing is exact.
/// </summary>
public sealed class ErrorRateWatchTests
{
    private const string Scrape = HealthHarness.Scrape + """

          - name: errorRate
            for: 2s
        """;

    [Fact(Timeout = 120_000)]
    public async Task Sustained_error_rate_rolls_back_with_a_decision_record_and_replay_reproduces_it()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(Scrape, app.BaseUrl);
        await app.SetFaultsAsync(new { errorRate = 0.3 });

        // 40 requests a window: at 30 % errors, a window under the 5 % threshold is a 1-in-100,000 event.
        var (samples, decision, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { DeploymentId = "dep-42", Duration = TimeSpan.FromSeconds(20), Clock = clock }, SteppedWatch.Traffic(load, 40));

        var described = HealthHarness.Describe(samples);
        Assert.Equal(HealthVerdict.Rollback, decision.Verdict);
        Assert.Equal("errorRate", decision.Rule);
        // Breaching from the first sample (T+0.5 s): Investigate until the 2 s are complete at T+2.5 s, then it stopped on the Rollback.
        Assert.Equal(SteppedWatch.Every(500, 2500), SteppedWatch.ElapsedMs(samples));
        Assert.Equal(new[] { HealthVerdict.Investigate, HealthVerdict.Investigate, HealthVerdict.Investigate, HealthVerdict.Investigate, HealthVerdict.Rollback },
            samples.Select(s => s.Verdict));
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(2500)), (decision.SinceElapsed!.Value, decision.Elapsed));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, decision.BreachingSamples.Select(b => (long)b.Sequence));
        Assert.All(decision.BreachingSamples, b => Assert.True(b.Value > 5, described));
        Assert.Equal(5, decision.Threshold);
        Assert.Equal("early", decision.Phase);
        Assert.InRange(samples[^1].ErrorRate!.Value, 10, 60); // 30 % injected

        // The decision record is stored with the deployment and explains the verdict.
        var state = Path.Combine(file.Directory, ".deployops", "deployments", "dep-42");
        Assert.Equal(Path.Combine(state, $"decision-{decision.Number}.json"), decision.RecordPath);
        using (var record = JsonDocument.Parse(File.ReadAllText(decision.RecordPath!)))
        {
            var root = record.RootElement;
            Assert.Equal("rollback", root.GetProperty("verdict").GetString());
            Assert.Equal("errorRate", root.GetProperty("rule").GetString());
            Assert.Equal(5, root.GetProperty("threshold").GetDouble());
            Assert.Equal("early", root.GetProperty("phase").GetString());
            Assert.Equal(decision.BreachingSamples.Count, root.GetProperty("breachingSamples").GetArrayLength());
            Assert.True(root.TryGetProperty("since", out _));
        }
        var samplesFile = Path.Combine(state, "health-samples.jsonl");
        Assert.Equal(samples.Count, File.ReadAllLines(samplesFile).Length);

        // Replaying the recorded samples with the same rules reproduces the decision exactly.
        var policy = ConfigLoader.Load(file.Path).Health.Policy;
        var replay = HealthReplay.Run(samplesFile, policy);
        Assert.True(replay.ReproducesRecording, string.Join("\n", replay.Differences));
        Assert.Equal(samples.Select(s => s.Verdict), replay.Samples.Select(s => s.Verdict));
        Assert.Equal((decision.Verdict, decision.Rule, decision.Number, decision.Sequence, decision.SinceElapsed, decision.Since),
            (replay.Decision.Verdict, replay.Decision.Rule, replay.Decision.Number, replay.Decision.Sequence, replay.Decision.SinceElapsed, replay.Decision.Since));
        Assert.Equal(decision.BreachingSamples.Select(b => (b.Sequence, b.Value)), replay.Decision.BreachingSamples.Select(b => (b.Sequence, b.Value)));
        Assert.Equal(decision.Reasons, replay.Decision.Reasons);

        // The cmdlet's -Replay path: the configuration's rules, samples to the pipeline, the verdict on agreement.
        var replaySink = new RecordingSink();
        var replayed = await HealthReplay.RunAsync(ConfigLoader.Load(file.Path), samplesFile, replaySink);
        Assert.Equal((decision.Rule, decision.Verdict), (replayed.Rule, replayed.Verdict));
        Assert.Equal(samples.Count, replaySink.RecordsOf<HealthSample>().Count());
        Assert.Contains(replaySink.Verbose, v => v.Contains("reproduces the recorded verdicts"));

        // New thresholds tested against the same incident: a 1 h sustained duration would only have investigated.
        var lenient = policy.With(rules: policy.Rules.Select(r => r.Name == "errorRate"
            ? new HealthRule(r.Name, r.Signal, r.Comparison, r.Threshold, TimeSpan.FromHours(1), r.Severity) : r).ToList());
        var what_if = HealthReplay.Run(samplesFile, lenient);
        Assert.Equal(HealthVerdict.Investigate, what_if.Decision.Verdict);
        Assert.False(what_if.ReproducesRecording);
    }

    [Fact(Timeout = 120_000)]
    public async Task Errors_that_stop_before_the_sustained_duration_are_Investigate_never_Rollback()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(Scrape.Replace("for: 2s", "for: 3s"), app.BaseUrl);
        await app.SetFaultsAsync(new { errorRate = 0.4 });
        var cleared = false;
        var (samples, decision, _) = await SteppedWatch.RunAsync(file, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(6), Clock = clock },
            async sofar =>
            {
                // Two Investigate samples (T+0.5, T+1 s), then the errors stop: 1 s of breach, never the 3 s rollback needs.
                if (!cleared && sofar.Count(s => s.Verdict == HealthVerdict.Investigate) >= 2)
                {
                    await app.SetFaultsAsync(new { errorRate = 0.0 });
                    cleared = true;
                }
                await SteppedWatch.WaitForTrafficAsync(load, 40);
            });

        var described = HealthHarness.Describe(samples);
        Assert.Equal(SteppedWatch.Every(500, 6000), SteppedWatch.ElapsedMs(samples)); // the whole 6 s, every 500 ms
        Assert.Equal(new[] { HealthVerdict.Investigate, HealthVerdict.Investigate }, samples.Take(2).Select(s => s.Verdict));
        Assert.DoesNotContain(samples, s => s.Verdict == HealthVerdict.Rollback);
        Assert.Contains(samples, s => s.Verdict == HealthVerdict.Investigate);
        Assert.Equal(HealthVerdict.Healthy, samples[^1].Verdict);
        Assert.Equal(HealthVerdict.Investigate, decision.Verdict);
        Assert.StartsWith("errorRate", decision.Rule);
        Assert.Contains(samples, s => s.Reasons.Count > 0 && s.Reasons[0].Contains("(pending: Rollback after 3s)")); // most severe first
    }

    [Fact(Timeout = 120_000)]
    public async Task No_errors_under_steady_traffic_is_Healthy_and_an_auto_rollback_request_warns_it_is_not_available()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(Scrape, app.BaseUrl);
        var (samples, decision, sink) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(3), AutoRollback = true, Clock = clock }, SteppedWatch.Traffic(load, 20));

        var described = HealthHarness.Describe(samples);
        Assert.All(samples, s => Assert.Equal(HealthVerdict.Healthy, s.Verdict));
        Assert.Equal(HealthVerdict.Healthy, decision.Verdict);
        Assert.Equal(SteppedWatch.Every(500, 3000), SteppedWatch.ElapsedMs(samples));
        Assert.All(samples, s => Assert.True(s.Requests >= 10 && s.ErrorRate == 0 && s.P95 > 0, described));
        Assert.Contains(sink.Warnings, w => w.Contains("Automatic rollback is not available yet"));
        Assert.Contains(samples, s => s.Signals.ContainsKey("memory"));
    }
}
