using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// The one direct probe both routers use: retried within a budget, says what it got, and lets a backend that
/// answers with an error status take its traffic (the health gate judges it, not the router) — through nginx and haproxy.
/// </summary>
public sealed class RouterProbeTests
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_refused_backend_is_retried_until_the_budget_is_spent_and_the_refusal_is_reported()
    {
        // Each clock read moves 300 ms: the deadline is read at 0.3 s (budget 1 s → 1.3 s), then 0.6, 0.9, 1.2, 1.5.
        var probe = Probe(new SteppingClock(TimeSpan.FromMilliseconds(300)));

        var (answer, attempts) = await probe.WithinAsync($"http://127.0.0.1:{FreePort.Next()}/version", TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(4, attempts);
        Assert.False(answer.Answered);
        Assert.Contains("refused", answer.Failure, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("does not answer (", answer.ToString());
    }

    [Fact]
    public async Task An_answer_without_identity_is_retried_and_reported_with_its_status()
    {
        // nginx in front of a dead upstream answers 502 itself: an answer, but not from any backend.
        using var stage = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", FreePort.Next(), 100) });
        var probe = Probe(new SteppingClock(TimeSpan.FromMilliseconds(300)));

        var (answer, attempts) = await probe.WithinAsync(stage.ProxyUrl + "/version", TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(4, attempts);
        Assert.Equal(502, answer.Status);
        Assert.Equal("answered 502 without an identity", answer.ToString());
    }

    [Fact]
    public async Task A_backend_answering_500_gets_its_traffic_and_the_router_says_what_it_answered()
    {
        using var blue = new DemoAppProcess("1.0.0");
        using var green = new DemoAppProcess("2.0.0");
        await green.SetFaultsAsync(new { errorRate = 1.0 });
        using var stage = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 100) });
        var log = new List<string>();
        var router = new NginxRouter(stage.Settings(), new Redactor(), log.Add);

        var change = await router.ApplyAsync(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 50),
            new TrafficBackend("green", "127.0.0.1", green.Port, 50),
        }, CancellationToken.None);

        Assert.Contains("green", change.To);
        Assert.Contains(log, l => l.Contains("green") && l.Contains("answered 500 as '2.0.0'"));
        var counts = await stage.CountVersionsAsync(40);
        Assert.True(counts.GetValueOrDefault("error:500") > 0 && counts.GetValueOrDefault("1.0.0") > 0, NginxStage.Show(counts));
    }

    [Fact]
    public async Task A_backend_that_starts_listening_within_the_budget_gets_its_traffic()
    {
        using var blue = new DemoAppProcess("1.0.0");
        var port = FreePort.Next();
        using var stage = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 100) });
        var router = new NginxRouter(stage.Settings(confirmTimeout: TimeSpan.FromSeconds(90)), new Redactor());
        var switching = router.ApplyAsync(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 0),
            new TrafficBackend("green", "127.0.0.1", port, 100),
        }, CancellationToken.None);

        // The switch was asked for while nothing listened on green's port; it starts afterwards.
        Assert.False(switching.IsCompleted);
        using var green = new DemoAppProcess("2.0.0", port: port);
        await switching;

        var counts = await stage.CountVersionsAsync(10);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 10, NginxStage.Show(counts));
    }

    [Fact]
    public async Task A_backend_that_never_answers_is_refused_naming_what_it_got_and_how_often_it_was_asked()
    {
        using var blue = new DemoAppProcess("1.0.0");
        using var stage = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 100) });
        var router = new NginxRouter(stage.Settings(confirmTimeout: TimeSpan.FromSeconds(1)), new Redactor());
        var port = FreePort.Next();

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 0),
            new TrafficBackend("green", "127.0.0.1", port, 100),
        }, CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficTargetUnreachable, ex.ErrorId);
        Assert.Matches(@$"green \(http://127\.0\.0\.1:{port}/version\) does not answer \(.*refused.*\) after \d+ attempt\(s\) within 1s; traffic was not moved", ex.Message);
    }

    /// <summary>
    /// haproxy's direct probe used to be single-shot and 2xx-only: a canary answering 500 was "does not answer"
    /// (TrafficTargetUnreachable) before any gate ran. Now it gets its share and the log says what it answered.
    /// </summary>
    [Fact]
    public async Task A_backend_answering_500_gets_its_traffic_through_haproxy_too()
    {
        using var blue = new DemoAppProcess("1.0.0");
        using var green = new DemoAppProcess("2.0.0");
        await green.SetFaultsAsync(new { errorRate = 1.0 });
        using var stage = new HaproxyStage(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 100),
            new TrafficBackend("green", "127.0.0.1", green.Port, 0),
        });
        var log = new List<string>();
        var router = new DeployOps.Engine.Traffic.Haproxy.HaproxyRouter(stage.Settings(), new Redactor(), log.Add);

        var change = await router.ApplyAsync(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 50),
            new TrafficBackend("green", "127.0.0.1", green.Port, 50),
        }, CancellationToken.None);

        Assert.Contains("green", change.To);
        Assert.Contains(log, l => l.Contains("green") && l.Contains("answered 500 as '2.0.0'") && l.Contains("the health checks judge it"));
        var counts = await stage.CountVersionsAsync(40);
        Assert.True(counts.GetValueOrDefault("error:500") > 0 && counts.GetValueOrDefault("1.0.0") > 0, NginxStage.Show(counts));
    }

    [Fact]
    public async Task A_backend_that_never_answers_is_refused_by_haproxy_after_retries_within_the_budget()
    {
        using var blue = new DemoAppProcess("1.0.0");
        var port = FreePort.Next();
        using var stage = new HaproxyStage(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 100),
            new TrafficBackend("green", "127.0.0.1", port, 0),
        });
        var router = new DeployOps.Engine.Traffic.Haproxy.HaproxyRouter(stage.Settings(confirmTimeout: TimeSpan.FromSeconds(1)), new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, 0),
            new TrafficBackend("green", "127.0.0.1", port, 100),
        }, CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficTargetUnreachable, ex.ErrorId);
        Assert.Matches(@$"green \(http://127\.0\.0\.1:{port}/version\) does not answer \(.*refused.*\) after [2-9]\d* attempt\(s\) within 1s; traffic was not moved", ex.Message);
        var counts = await stage.CountVersionsAsync(10);
        Assert.True(counts.GetValueOrDefault("1.0.0") == 10, NginxStage.Show(counts));
    }

    /// <summary>The probe alone (no router behind it): nginx-style settings whose probe path and identity header are the defaults.</summary>
    private static RouterProbe Probe(TimeProvider clock) =>
        new(TrafficSettings.ForNginx(Path.Combine(Path.GetTempPath(), "unused-upstream.conf"), "app", "http://127.0.0.1:9/version"),
            new Redactor(), "probe test", clock: clock, http: Http);
}
