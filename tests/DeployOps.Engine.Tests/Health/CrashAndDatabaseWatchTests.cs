using System.Net.Http;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>Crash (health endpoint unreachable) and database (real PostgreSQL stopped) rules.</summary>
public sealed class CrashAndDatabaseWatchTests
{
    private const string WithProbes = HealthHarness.Scrape + "\nprobes: [app]";

    [Fact]
    public async Task Killed_process_rolls_back_on_the_crash_rule_after_three_failed_probes_and_calls_the_rollback_hook()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(WithProbes, app.BaseUrl);
        var trigger = new RecordingTrigger();
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(30), AutoRollback = true, RollbackTrigger = trigger });
        await HealthHarness.WaitForSamplesAsync(sink, 2, s => s.Verdict == HealthVerdict.Healthy);
        app.Kill();
        var decision = await watch;
        var samples = sink.RecordsOf<HealthSample>().ToList();

        var described = HealthHarness.Describe(samples);
        Assert.Equal(HealthVerdict.Rollback, decision.Verdict);
        Assert.Equal("crash", decision.Rule);
        Assert.Equal(3, decision.Value);
        Assert.True(decision.RollbackTriggered);
        Assert.Same(Assert.Single(trigger.Calls).Rule, decision.Rule);
        Assert.Contains(sink.ShouldProcessCalls, c => c.Action.Contains("Roll back"));
        // The probes failed twice before without a Rollback (the previous verdict held); failed scrapes were never the reason.
        var failing = samples.SkipWhile(s => s.Signals["healthDown"] == 0).ToList();
        Assert.True(failing.Count == 3 && failing.SkipLast(1).All(s => s.Verdict != HealthVerdict.Rollback), described);
        Assert.All(samples.TakeWhile(s => s.Signals["healthDown"] == 0), s => Assert.True(s.Signals["healthLatency"] > 0, described));
    }

    [Fact]
    public async Task Admin_crash_rolls_back_and_without_a_registered_engine_the_watch_warns_instead_of_rolling_back()
    {
        using var app = new DemoAppProcess();
        using var file = HealthHarness.Config(WithProbes.Replace("minRequests: 10", "minRequests: 0"), app.BaseUrl);
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(30), AutoRollback = true });
        await HealthHarness.WaitForSamplesAsync(sink, 1);
        using (var http = new HttpClient()) await http.PostAsync(app.BaseUrl + "/admin/crash", null);
        var decision = await watch;

        Assert.Equal(("crash", HealthVerdict.Rollback), (decision.Rule, decision.Verdict));
        Assert.False(decision.RollbackTriggered);
        Assert.Contains(sink.Warnings, w => w.Contains("automatic rollback is not yet available") && w.Contains("crash"));
    }

    [Fact]
    public async Task Stopped_database_rolls_back_on_the_database_rule()
    {
        using var postgres = new PostgresFixture(); // our own cluster: stopping the shared one would disturb others
        var database = postgres.CreateDatabase();
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var file = HealthHarness.Config(HealthHarness.Scrape, app.BaseUrl,
            $"postgres:\n  url: postgres://{PostgresFixture.User}@127.0.0.1:{postgres.Port}/{database}\n  password: ${{env:HEALTH_TEST_PGPASSWORD}}\n");
        Environment.SetEnvironmentVariable("HEALTH_TEST_PGPASSWORD", PostgresFixture.Password);
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(30) });
        await HealthHarness.WaitForSamplesAsync(sink, 2);
        postgres.Stop();
        var decision = await watch;
        var samples = sink.RecordsOf<HealthSample>().ToList();

        var described = HealthHarness.Describe(samples);
        Assert.Equal(("databaseDown", HealthVerdict.Rollback), (decision.Rule, decision.Verdict));
        var before = samples.TakeWhile(s => s.Signals["dbDown"] == 0).ToList();
        Assert.True(before.Count > 0, described + string.Join("\n", samples.SelectMany(x => x.Notes)));
        Assert.All(before, s => Assert.True(s.DbLatency > 0 && s.Verdict != HealthVerdict.Rollback, described));
        Assert.Equal(2, samples.Count - before.Count); // one failure is tolerated, the second decides
        Assert.DoesNotContain(PostgresFixture.Password, sink.AllText());
    }

    private sealed class RecordingTrigger : IRollbackTrigger
    {
        public List<HealthDecision> Calls { get; } = new();

        public Task TriggerAsync(HealthDecision decision, IOutputSink sink, CancellationToken cancellationToken)
        {
            lock (Calls) Calls.Add(decision);
            return Task.CompletedTask;
        }
    }
}
