using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;
using DeployOps.Engine.Traffic.Haproxy;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// The haproxy router against a real haproxy and two demo-app slots: traffic moves over the runtime API with no new
/// process, raising before lowering, draining before it returns, surviving a restart through the state file.
/// </summary>
public sealed class HaproxyRouterTests : IClassFixture<NginxRouterTests.Slots>
{
    private readonly NginxRouterTests.Slots _slots;

    public HaproxyRouterTests(NginxRouterTests.Slots slots) => _slots = slots;

    [Fact]
    public async Task Switch_moves_all_traffic_without_a_new_haproxy_process()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        Assert.Equal(20, (await stage.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
        var pid = stage.Haproxy.Pid;
        var log = new List<string>();
        var router = new HaproxyRouter(stage.Settings(), new Redactor(), log.Add);

        var change = await router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None);

        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, string.Join(", ", counts));
        Assert.Equal(pid, stage.Haproxy.Pid);
        Assert.Contains($"blue 127.0.0.1:{_slots.Blue.Port} weight=100", change.From);
        Assert.Contains($"green 127.0.0.1:{_slots.Green.Port} down", change.From);
        Assert.Equal("green", TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(CancellationToken.None)));
        // Raise before lower: green was ready before blue went to drain.
        var raised = log.FindIndex(l => l.Contains("app/srv_green state ready", StringComparison.Ordinal));
        var lowered = log.FindIndex(l => l.Contains("app/srv_blue state drain", StringComparison.Ordinal));
        Assert.True(raised >= 0 && lowered > raised, string.Join("\n", log));
    }

    [Fact]
    public async Task Canary_weights_split_traffic_and_read_back()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        var router = new HaproxyRouter(stage.Settings(), new Redactor());

        await router.ApplyAsync(_slots.Weights(75, 25), CancellationToken.None);

        var counts = await stage.CountVersionsAsync(100);
        Assert.InRange(counts.GetValueOrDefault("2.0.0"), 15, 35);
        Assert.Equal(100, counts.GetValueOrDefault("1.0.0") + counts.GetValueOrDefault("2.0.0"));
        var current = await router.ReadCurrentAsync(CancellationToken.None);
        Assert.Equal(new[] { "blue:75", "green:25" }, current!.Select(b => $"{b.Name}:{b.Weight}").OrderBy(s => s));
    }

    [Fact]
    public async Task State_file_keeps_the_assignment_across_a_restart()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        var router = new HaproxyRouter(stage.Settings(), new Redactor());
        await router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None);
        var state = File.ReadAllText(stage.Haproxy.StateFile);
        Assert.StartsWith("1\n# be_id", state);
        Assert.Contains(" srv_green ", state);

        stage.Haproxy.Restart(); // haproxy.cfg still says blue weight 100, green disabled

        Assert.Equal("green", TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(CancellationToken.None)));
        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, string.Join(", ", counts));
    }

    [Fact]
    public async Task Drain_waits_for_the_old_servers_sessions_to_finish()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var slow = client.GetAsync(stage.ProxyUrl + "/slow?ms=2000"); // in flight on blue, the only server up
        await WaitForSessionsAsync(stage, HaproxyStage.ServerName("blue"), 1);
        var log = new List<string>();
        var router = new HaproxyRouter(stage.Settings(), new Redactor(), log.Add);

        await router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None);

        Assert.True(slow.IsCompleted, "ApplyAsync returned while blue still had a session:\n" + string.Join("\n", log));
        Assert.True((await slow).IsSuccessStatusCode);
        Assert.Equal(0, await SessionsAsync(stage, HaproxyStage.ServerName("blue")));
        Assert.Contains(log, l => l.Contains("srv_blue drained", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_gives_up_at_the_drain_timeout_and_keeps_the_switch()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var slow = client.GetAsync(stage.ProxyUrl + "/slow?ms=30000");
        await WaitForSessionsAsync(stage, HaproxyStage.ServerName("blue"), 1);
        // Green is raised first on the real clock (its health check must pass), so only the drain waits on the manual one.
        await new HaproxyRouter(stage.Settings(), new Redactor()).ApplyAsync(_slots.Weights(100, 100), CancellationToken.None);
        var clock = new ManualClock();
        var log = new List<string>();
        var router = new HaproxyRouter(stage.Settings(drainTimeout: TimeSpan.FromMinutes(5)), new Redactor(), l => { lock (log) log.Add(l); }, clock);

        var apply = router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!apply.IsCompleted && DateTime.UtcNow < deadline)
        {
            if (clock.Waiting > 0) clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(20);
        }

        Assert.True(apply.IsCompleted, "ApplyAsync did not return at the drain timeout");
        await apply;
        Assert.False(slow.IsCompleted); // the long request was left alone, not cut
        Assert.Contains(log, l => l.Contains("srv_blue still had 1 session(s)", StringComparison.Ordinal));
        Assert.Equal(20, (await stage.CountVersionsAsync(20)).GetValueOrDefault("2.0.0"));
    }

    [Fact]
    public async Task A_failed_confirmation_puts_every_server_back()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        // Confirmation probes blue directly, so it can never see green: the change must be undone.
        var settings = TrafficSettings.ForHaproxy(stage.Settings().Haproxy!, _slots.Blue.BaseUrl + "/version", TimeSpan.FromSeconds(1));
        var router = new HaproxyRouter(settings, new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficNotConfirmed, ex.ErrorId);
        Assert.Equal("blue", TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(CancellationToken.None)));
        Assert.Equal(20, (await stage.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
        Assert.Contains("srv_green", File.ReadAllText(stage.Haproxy.StateFile)); // the restored state was saved
    }

    [Fact]
    public async Task A_target_that_does_not_answer_gets_no_traffic()
    {
        using var stage = new HaproxyStage(new[]
        {
            new TrafficBackend("blue", "127.0.0.1", _slots.Blue.Port, 100),
            new TrafficBackend("green", "127.0.0.1", FreePort.Next(), 0),
        });
        var router = new HaproxyRouter(stage.Settings(), new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(stage.Backends.Select(b => b.WithWeight(b.Name == "green" ? 100 : 0)).ToList(), CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficTargetUnreachable, ex.ErrorId);
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("1.0.0"));
    }

    [Fact]
    public async Task A_missing_socket_is_RouterUnavailable_naming_it()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));
        var missing = Path.Combine(stage.Haproxy.Directory, "nope.sock");
        var router = new HaproxyRouter(stage.Settings(socket: missing), new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None));

        Assert.Equal(ErrorIds.RouterUnavailable, ex.ErrorId);
        Assert.Contains(missing, ex.Message);
        Assert.Contains("level admin", ex.Message);
    }

    [Fact]
    public async Task An_unknown_backend_or_server_is_TrafficConfigInvalid_naming_it()
    {
        using var stage = new HaproxyStage(_slots.Weights(100, 0));

        var backend = await Assert.ThrowsAsync<DeployOpsException>(() =>
            new HaproxyRouter(stage.Settings(backend: "shop"), new Redactor()).ReadCurrentAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.TrafficConfigInvalid, backend.ErrorId);
        Assert.Contains("no backend 'shop'", backend.Message);

        var unmapped = TrafficSettings.ForHaproxy(HaproxySettings.Create(stage.Haproxy.Socket, "app"), stage.ProxyUrl + "/version");
        var server = await Assert.ThrowsAsync<DeployOpsException>(() =>
            new HaproxyRouter(unmapped, new Redactor()).ApplyAsync(_slots.Weights(0, 100), CancellationToken.None));
        Assert.Equal(ErrorIds.TrafficConfigInvalid, server.ErrorId);
        Assert.Contains("has no server 'blue'", server.Message);
        Assert.Contains("srv_blue, srv_green", server.Message);

        var moved = new[] { new TrafficBackend("blue", "127.0.0.1", _slots.Blue.Port, 0), new TrafficBackend("green", "127.0.0.1", _slots.Blue.Port, 100) };
        var address = await Assert.ThrowsAsync<DeployOpsException>(() =>
            new HaproxyRouter(stage.Settings(), new Redactor()).ApplyAsync(moved, CancellationToken.None));
        Assert.Equal(ErrorIds.TrafficConfigInvalid, address.ErrorId);
        Assert.Contains($"points at 127.0.0.1:{_slots.Green.Port}", address.Message);
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("1.0.0"));
    }

    private static async Task<int> SessionsAsync(HaproxyStage stage, string server) =>
        HaproxyServer.CurrentSessions(await new HaproxyRuntimeApi(stage.Haproxy.Socket).SendAsync("show stat", CancellationToken.None),
            stage.Haproxy.Backend, server) ?? -1;

    private static async Task WaitForSessionsAsync(HaproxyStage stage, string server, int sessions)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await SessionsAsync(stage, server) < sessions)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{server} never had {sessions} session(s)");
            await Task.Delay(20);
        }
    }
}
