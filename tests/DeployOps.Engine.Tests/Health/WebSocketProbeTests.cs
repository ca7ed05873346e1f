using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Signals;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>"WebSocket down → immediate rollback": the probe against a real echo server, the decision on a fake clock.</summary>
public sealed class WebSocketProbeTests
{
    private static WebSocketSource Source(string url) => new(new WebSocketSettings(new Uri(url), TimeSpan.FromSeconds(5)));

    [Fact(Timeout = 60_000)]
    public async Task A_handshake_and_echo_against_a_real_server_is_up_with_its_round_trip()
    {
        using var server = new WebSocketEchoServer();
        await using var source = Source(server.Url);
        var first = await source.ReadAsync(CancellationToken.None);
        var second = await source.ReadAsync(CancellationToken.None);
        Assert.Equal(0, second.Signals[HealthSignals.WebSocketDown]);
        Assert.True(first.Signals[HealthSignals.WebSocketLatency] > 0);
        Assert.Empty(second.Notes);
        Assert.Equal(2, server.Echoed);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_refused_connection_is_down_at_once_and_the_streak_grows()
    {
        var url = $"ws://127.0.0.1:{FreePort.Next()}/ws";
        await using var source = Source(url);
        var reading = await source.ReadAsync(CancellationToken.None);
        Assert.Equal(1, reading.Signals[HealthSignals.WebSocketDown]);
        Assert.Contains(HealthSignals.WebSocketLatency, reading.Unreadable.Keys);
        Assert.Contains(url, Assert.Single(reading.Notes));
        Assert.Equal(2, (await source.ReadAsync(CancellationToken.None)).Signals[HealthSignals.WebSocketDown]);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_path_that_refuses_the_upgrade_is_a_failed_handshake()
    {
        using var server = new WebSocketEchoServer();
        await using var source = Source($"ws://127.0.0.1:{server.Port}/not-a-socket");
        var reading = await source.ReadAsync(CancellationToken.None);
        Assert.Equal(1, reading.Signals[HealthSignals.WebSocketDown]);
        Assert.Contains("404", Assert.Single(reading.Notes));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_watch_on_the_real_server_rolls_back_on_websocketDown_the_sample_after_the_server_stops()
    {
        var server = new WebSocketEchoServer();
        using var file = HealthHarness.Config($"interval: 300ms\nwebsocket:\n  url: {server.Url}\n  timeout: 2s\n", "http://127.0.0.1:9");
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(60), Until = WatchUntil.Decision });
        try
        {
            await HealthHarness.WaitForSamplesAsync(sink, 2);
        }
        finally
        {
            server.Dispose();
        }
        var decision = await watch.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal((HealthVerdict.Rollback, "websocketDown", 1.0), (decision.Verdict, decision.Rule, decision.Value));
        var samples = sink.RecordsOf<HealthSample>().ToList();
        Assert.Equal(0, samples[0].Signals[HealthSignals.WebSocketDown]);
    }

    [Fact(Timeout = 60_000)]
    public async Task On_a_fake_clock_the_first_failed_probe_decides_Rollback_with_no_wait()
    {
        using var file = HealthHarness.Config("interval: 10s\nwebsocket:\n  url: ws://127.0.0.1:9/ws\n", "http://127.0.0.1:9");
        var (samples, decision) = await FakeClockWatch.RunAsync(file, TimeSpan.FromMinutes(10),
            elapsed => new Dictionary<string, double> { [HealthSignals.WebSocketDown] = elapsed < TimeSpan.FromSeconds(35) ? 0 : 1 },
            WatchUntil.Decision);
        Assert.Equal((HealthVerdict.Rollback, "websocketDown"), (decision.Verdict, decision.Rule));
        Assert.Equal(1, samples[^1].Signals[HealthSignals.WebSocketDown]);
        Assert.All(samples.SkipLast(1), s => Assert.Equal(0, s.Signals[HealthSignals.WebSocketDown]));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("websocket:\n  timeout: 2s\n", "health.websocket.url")]
    [InlineData("websocket:\n  url: http://127.0.0.1:1/ws\n", "not a ws:// or wss:// URL")]
    [InlineData("websocket:\n  url: ws://127.0.0.1:1/ws\n  tiemout: 2s\n", "tiemout")]
    public async Task Bad_websocket_settings_name_the_key(string health, string expected)
    {
        using var file = HealthHarness.Config(health, "http://127.0.0.1:9");
        var error = Assert.ThrowsAny<Exception>(() => ConfigLoader.Load(file.Path));
        Assert.Contains(expected, error.Message);
        await Task.CompletedTask;
    }
}
