using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>The nginx router against a real nginx and two demo-app slots: traffic really moves, failures restore.</summary>
public sealed class NginxRouterTests : IClassFixture<NginxRouterTests.Slots>
{
    private readonly Slots _slots;

    public NginxRouterTests(Slots slots) => _slots = slots;

    public sealed class Slots : IDisposable
    {
        public DemoAppProcess Blue { get; } = new("1.0.0");
        public DemoAppProcess Green { get; } = new("2.0.0");

        internal IReadOnlyList<TrafficBackend> Weights(int blue, int green) => new[]
        {
            new TrafficBackend("blue", "127.0.0.1", Blue.Port, blue),
            new TrafficBackend("green", "127.0.0.1", Green.Port, green),
        };

        public void Dispose()
        {
            Blue.Dispose();
            Green.Dispose();
        }
    }

    [Fact]
    public async Task Switch_moves_all_traffic_and_records_the_assignment()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        Assert.Equal(20, (await stage.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
        var router = new NginxRouter(stage.Settings(), new Redactor());

        var change = await router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None);

        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, NginxStage.Show(counts));
        Assert.Contains("green", change.To);
        Assert.Contains("blue 127.0.0.1:" + _slots.Blue.Port + " weight=100", change.From);
        var current = await router.ReadCurrentAsync(CancellationToken.None);
        Assert.Equal("green", TrafficSwitcher.ActiveSlot(current));
        Assert.Contains($"server 127.0.0.1:{_slots.Blue.Port} down;", File.ReadAllText(stage.UpstreamFile));
    }

    [Fact]
    public async Task Weighted_upstream_splits_traffic_between_versions()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var router = new NginxRouter(stage.Settings(), new Redactor());

        await router.ApplyAsync(_slots.Weights(75, 25), CancellationToken.None);

        var counts = await stage.CountVersionsAsync(100);
        Assert.InRange(counts.GetValueOrDefault("2.0.0"), 10, 40);
        Assert.Equal(100, counts.GetValueOrDefault("1.0.0") + counts.GetValueOrDefault("2.0.0"));
    }

    [Fact]
    public async Task A_target_that_does_not_answer_gets_no_traffic()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var before = File.ReadAllText(stage.UpstreamFile);
        var router = new NginxRouter(stage.Settings(), new Redactor());
        var dead = new[] { new TrafficBackend("blue", "127.0.0.1", _slots.Blue.Port, 0), new TrafficBackend("green", "127.0.0.1", FreePort.Next(), 100) };

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(dead, CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficTargetUnreachable, ex.ErrorId);
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("1.0.0"));
    }

    [Fact]
    public async Task A_file_nginx_rejects_is_restored()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var before = File.ReadAllText(stage.UpstreamFile);
        var router = new NginxRouter(stage.Settings(), new Redactor());
        // nginx -t cannot resolve this host: the written file is invalid.
        var invalid = new[] { new TrafficBackend("green", "127.0.0.1", _slots.Green.Port, 100), new TrafficBackend("bad", "no-such-host.invalid", 80, 0) };

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(invalid, CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficConfigInvalid, ex.ErrorId);
        Assert.Contains("no-such-host.invalid", ex.Message);
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("1.0.0"));
    }

    [Fact]
    public async Task An_unconfirmed_switch_is_rolled_back_to_the_previous_file()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        var before = File.ReadAllText(stage.UpstreamFile);
        // Probing a URL that nginx does not route (blue directly) can never see green: the switch is not confirmed.
        var router = new NginxRouter(stage.Settings(TimeSpan.FromSeconds(1), _slots.Blue.BaseUrl + "/version"), new Redactor());

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => router.ApplyAsync(_slots.Weights(0, 100), CancellationToken.None));

        Assert.Equal(ErrorIds.TrafficNotConfirmed, ex.ErrorId);
        Assert.Contains("1.0.0", ex.Message);
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
        Assert.True(await stage.SettlesOnAsync("1.0.0"), "nginx did not return to blue after the restore");
    }

    [Fact]
    public async Task Switch_command_switches_audits_and_honours_WhatIf()
    {
        using var stage = new NginxStage(_slots.Weights(100, 0));
        using var temp = new TempConfig($"""
            application: shop
            environment: test
            deployment:
              slots:
                blue: {"{"} host: 127.0.0.1, port: {_slots.Blue.Port} {"}"}
                green: {"{"} host: 127.0.0.1, port: {_slots.Green.Port} {"}"}
            {stage.Yaml("  ")}
            """);
        var config = ConfigLoader.Load(temp.Path);
        var before = File.ReadAllText(stage.UpstreamFile);

        var whatIf = RecordingSink.WhatIf();
        Assert.Null(await TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = "green" }, whatIf, CancellationToken.None));
        Assert.Equal(before, File.ReadAllText(stage.UpstreamFile));
        Assert.Contains(whatIf.ShouldProcessCalls, c => c.Action.Contains("from blue to green"));

        var sink = new RecordingSink();
        var change = await TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = "green" }, sink, CancellationToken.None);
        Assert.NotNull(change);
        Assert.Single(sink.RecordsOf<TrafficChange>());
        Assert.Equal(10, (await stage.CountVersionsAsync(10)).GetValueOrDefault("2.0.0"));

        var audit = AuditLog.For(config).ReadAll();
        Assert.Equal(new[] { "Skipped", "Succeeded" }, audit.Select(a => a.Outcome));

        var missing = await Assert.ThrowsAsync<DeployOpsException>(() =>
            TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = "purple" }, sink, CancellationToken.None));
        Assert.Equal(ErrorIds.SlotNotFound, missing.ErrorId);
    }
}
