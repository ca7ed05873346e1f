using System.Text.RegularExpressions;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// traffic.maxFails / traffic.failTimeout: read and validated with their line, written on every serving server, and —
/// against a real nginx — a restart of the only serving backend no longer leaves nginx answering 502 afterwards.
/// </summary>
public sealed class UpstreamFailureTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static string TrafficYaml(string extra) => $"""
        application: a
        environment: b
        deployment:
          traffic:
            upstreamFile: up.conf
            upstreamName: app
            probeUrl: http://127.0.0.1:1/version
        {extra}
        """;

    [Fact]
    public void Defaults_are_automatic_max_fails_a_one_second_fail_timeout_and_twenty_router_check_requests()
    {
        using var config = new TempConfig(TrafficYaml(""));
        var traffic = ConfigLoader.Load(config.Path).Deployment.Traffic;
        Assert.Null(traffic.MaxFails);
        Assert.Equal(TimeSpan.FromSeconds(1), traffic.FailTimeout);
        Assert.Equal(20, traffic.VerifyRequests);
        Assert.Equal(0, traffic.MaxFailsFor(1));
        Assert.Equal(1, traffic.MaxFailsFor(2));
    }

    [Fact]
    public void Configured_values_are_read()
    {
        using var config = new TempConfig(TrafficYaml("    maxFails: 3\n    failTimeout: 3s\n    verifyRequests: 0"));
        var traffic = ConfigLoader.Load(config.Path).Deployment.Traffic;
        Assert.Equal(3, traffic.MaxFails);
        Assert.Equal(3, traffic.MaxFailsFor(1));
        Assert.Equal(TimeSpan.FromSeconds(3), traffic.FailTimeout);
        Assert.Equal(0, traffic.VerifyRequests);
    }

    [Theory]
    [InlineData("maxFails: -1", "deployment.traffic.maxFails", "between 0 and 1000")]
    [InlineData("maxFails: often", "deployment.traffic.maxFails", "whole number")]
    [InlineData("failTimeout: 0s", "deployment.traffic.failTimeout", "duration")]
    [InlineData("failTimeout: 2h", "deployment.traffic.failTimeout", "at most")]
    [InlineData("failTimeout: 1500ms", "deployment.traffic.failTimeout", "whole seconds")]
    [InlineData("verifyRequests: -5", "deployment.traffic.verifyRequests", "between 0 and 10000")]
    public void Bad_values_are_located_errors(string line, string path, string message)
    {
        using var config = new TempConfig(TrafficYaml("    " + line));
        var errors = ConfigLoader.Validate(config.Path);
        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Contains(message, error.Message);
        Assert.Equal(8, error.Line);
    }

    private static NginxRouter Router(int? maxFails = null, TimeSpan? failTimeout = null) =>
        new(TrafficSettings.ForNginx("/tmp/up.conf", "app", "http://127.0.0.1:1/version", maxFails: maxFails, failTimeout: failTimeout), new Redactor());

    private static string ServerLine(string text, int port) =>
        Regex.Match(text, $@"^\s*server 127\.0\.0\.1:{port}\b[^\n]*;", RegexOptions.Multiline).Value.Trim();

    [Fact]
    public void A_lone_serving_server_is_never_marked_failed_and_a_down_one_stays_plain_down()
    {
        var text = Router().Render(new[] { new TrafficBackend("blue", "127.0.0.1", 5001, 100), new TrafficBackend("green", "127.0.0.1", 5002, 0) });
        Assert.Equal("server 127.0.0.1:5001 weight=100 max_fails=0;", ServerLine(text, 5001));
        Assert.Equal("server 127.0.0.1:5002 down;", ServerLine(text, 5002));
    }

    [Fact]
    public void Several_serving_servers_fail_over_for_a_short_fail_timeout()
    {
        var text = Router().Render(new[] { new TrafficBackend("blue", "127.0.0.1", 5001, 75), new TrafficBackend("green", "127.0.0.1", 5002, 25) });
        Assert.Equal("server 127.0.0.1:5001 weight=75 max_fails=1 fail_timeout=1s;", ServerLine(text, 5001));
        Assert.Equal("server 127.0.0.1:5002 weight=25 max_fails=1 fail_timeout=1s;", ServerLine(text, 5002));
    }

    [Fact]
    public void Configured_values_apply_to_every_serving_server()
    {
        var text = Router(3, TimeSpan.FromSeconds(3)).Render(new[] { new TrafficBackend("web1", "127.0.0.1", 5001, 1) });
        Assert.Equal("server 127.0.0.1:5001 weight=1 max_fails=3 fail_timeout=3s;", ServerLine(text, 5001));
    }

    /// <summary>Stops the only serving backend, sends one request (refused), starts it again; what nginx answers then.</summary>
    private static async Task<Dictionary<string, int>> RestartBehindNginxAsync(int? maxFails, TimeSpan? failTimeout)
    {
        using var blue = new DemoAppProcess("1.0.0");
        var backends = new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 100), new TrafficBackend("green", "127.0.0.1", FreePort.Next(), 0) };
        using var stage = new NginxStage(backends);
        var router = new NginxRouter(TrafficSettings.ForNginx(stage.UpstreamFile, stage.UpstreamName, stage.ProxyUrl + "/version",
            stage.Nginx.Binary, stage.Nginx.Arguments, TimeSpan.FromSeconds(10), maxFails: maxFails, failTimeout: failTimeout), new Redactor());
        await router.ApplyAsync(backends, CancellationToken.None);

        blue.Stop();
        Assert.Equal(1, (await stage.CountVersionsAsync(1)).GetValueOrDefault("error:502"));
        blue.Start();
        return await stage.CountVersionsAsync(10);
    }

    [Fact]
    public async Task A_restarted_lone_backend_serves_through_nginx_at_once()
    {
        var counts = await RestartBehindNginxAsync(null, null);
        Assert.True(counts.GetValueOrDefault("1.0.0") == 10, NginxStage.Show(counts));
    }

    [Fact]
    public async Task Nginx_defaults_black_hole_a_restarted_lone_backend_for_the_fail_timeout()
    {
        // The old file (nginx's max_fails=1) with a fail_timeout far longer than the test: every request after the
        // restart is 502 "no live upstreams" although the backend answers — the outage the automatic default removes.
        var counts = await RestartBehindNginxAsync(1, TimeSpan.FromMinutes(10));
        Assert.True(counts.GetValueOrDefault("error:502") == 10, NginxStage.Show(counts));
    }

    [Fact]
    public async Task Waiting_for_retired_workers_returns_once_their_in_flight_request_to_a_retired_backend_finished()
    {
        using var blue = new DemoAppProcess("1.0.0");
        using var green = new DemoAppProcess("2.0.0");
        TrafficBackend[] Weights(int b) => new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, b), new TrafficBackend("green", "127.0.0.1", green.Port, 100 - b) };
        using var stage = new NginxStage(Weights(100));
        var router = new NginxRouter(stage.Settings(), new Redactor());

        // A request that keeps the current worker busy on blue for a while.
        var slow = Http.GetStringAsync(stage.ProxyUrl + "/slow?ms=8000");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ActiveConnections(await Http.GetStringAsync(blue.BaseUrl + "/metrics")) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the slow request never reached blue");
            await Task.Delay(20);
        }
        await router.ApplyAsync(Weights(0), CancellationToken.None);
        Assert.False(slow.IsCompleted, "the slow request ended before the switch: the test proves nothing");

        var waited = await router.WaitUntilRetiredAsync(CancellationToken.None);

        Assert.True(slow.IsCompleted, "returned while a worker of the previous configuration was still talking to blue");
        Assert.Equal("done", (await slow).Trim());
        Assert.Contains("previous configuration finished", waited);
        Assert.Null(await router.WaitUntilRetiredAsync(CancellationToken.None));
    }

    private static int ActiveConnections(string metrics) =>
        int.Parse(Regex.Match(metrics, @"^demo_active_connections (\d+)", RegexOptions.Multiline).Groups[1].Value);
}
