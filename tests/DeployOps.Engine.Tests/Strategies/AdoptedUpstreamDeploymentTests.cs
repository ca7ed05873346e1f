using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// The first deployment onto an nginx an admin ran blue/green by hand: it goes to the slot without traffic, never the
/// live one, and a file that does not say which slot is live stops it before anything runs.
/// </summary>
public sealed class AdoptedUpstreamDeploymentTests
{
    private static void ServeByHand(DeploymentStage stage, string text)
    {
        File.WriteAllText(stage.Proxy.UpstreamFile, text);
        var (ok, output) = stage.Proxy.Nginx.Test();
        Assert.True(ok, output);
        stage.Proxy.Nginx.Reload();
    }

    [Fact]
    public async Task A_hand_written_blue_live_upstream_deploys_to_green_and_leaves_blue_serving()
    {
        using var stage = new DeploymentStage();
        ServeByHand(stage, $"upstream app {{\n    server 127.0.0.1:{stage.Blue!.Port};\n    server 127.0.0.1:{stage.Green!.Port} down;\n}}\n");
        var bluePid = File.ReadAllText(Path.Combine(stage.Directory, "blue.pid")).Trim();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error + string.Join("\n", sink.Errors));
        Assert.Equal("deploy:green", record.Phases[0].Name);
        Assert.Equal(bluePid, File.ReadAllText(Path.Combine(stage.Directory, "blue.pid")).Trim());
        Assert.Equal("green", stage.ActiveSlot());
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("2.0.0"));
    }

    [Fact]
    public async Task An_upstream_with_both_slots_live_stops_the_deployment_before_any_phase()
    {
        using var stage = new DeploymentStage();
        var handWritten = $"upstream app {{\n    server 127.0.0.1:{stage.Blue!.Port} weight=5;\n    server 127.0.0.1:{stage.Green!.Port} weight=5;\n}}\n";
        ServeByHand(stage, handWritten);

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen));

        Assert.Equal(ErrorIds.TrafficStateUnknown, ex.ErrorId);
        Assert.Contains($"{stage.Proxy.UpstreamFile}:3: more than one slot takes traffic", ex.Message);
        Assert.False(File.Exists(Path.Combine(stage.Directory, "green.pid")));
        Assert.Equal(handWritten, File.ReadAllText(stage.Proxy.UpstreamFile));
        await using var store = DeploymentStore.Open(stage.Load());
        Assert.Empty(await store.ListAsync(new HistoryQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task Switch_with_Adopt_takes_over_an_unreadable_file_audited_and_WhatIf_changes_nothing()
    {
        using var stage = new DeploymentStage();
        var handWritten = $"upstream app {{ server 127.0.0.1:{stage.Blue!.Port}; server 127.0.0.1:{stage.Green!.Port}; }}\n";
        ServeByHand(stage, handWritten);
        var config = stage.Load();

        var refused = await Assert.ThrowsAsync<DeployOpsException>(() =>
            TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = "blue" }, new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.TrafficStateUnknown, refused.ErrorId);
        Assert.Null(await TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = "blue", Adopt = true }, RecordingSink.WhatIf(), CancellationToken.None));
        Assert.Equal(handWritten, File.ReadAllText(stage.Proxy.UpstreamFile));

        var change = await TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = "blue", Adopt = true }, new RecordingSink(), CancellationToken.None);

        Assert.Equal("(hand-written file, adopted)", change!.From);
        Assert.Equal("blue", stage.ActiveSlot());
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
        var audit = Assert.Single(AuditLog.For(config).ReadAll(), a => a.Command == "Switch-DeploymentTraffic" && a.Outcome == "Succeeded");
        Assert.Equal("true", audit.Details["adopted"]);
        Assert.StartsWith("Adopt the hand-written", audit.Action);
    }

    [Fact]
    public async Task Rolling_on_an_unreadable_hand_written_upstream_stops_at_its_first_traffic_change_with_every_instance_untouched()
    {
        using var stage = new DeploymentStage(instances: 2);
        var web1 = stage.Instances[0];
        var handWritten = $"upstream app {{\n    server 127.0.0.1:{web1.Port};\n    server 127.0.0.1:{stage.Instances[1].Port} weight=$w;\n}}\n";
        File.WriteAllText(stage.Proxy.UpstreamFile, handWritten); // not served: nginx itself would refuse the variable
        var pids = stage.Instances.Select(i => File.ReadAllText(Path.Combine(stage.Directory, i.Name + ".pid")).Trim()).ToList();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        // The refusal, and the record's error for phase batch1:out (its attempt to put traffic back is refused the same way).
        Assert.All(sink.Errors, e => Assert.Equal(ErrorIds.TrafficStateUnknown, e.ErrorId));
        var error = sink.Errors.First();
        Assert.Contains($"{stage.Proxy.UpstreamFile}:3: the server line uses a variable", error.Message);
        Assert.Contains(sink.Errors, e => e.Message.Contains("stopped in phase batch1:out", StringComparison.Ordinal));
        Assert.Contains("Make every server line a configured instance's host:port", error.Message);
        Assert.Equal(handWritten, File.ReadAllText(stage.Proxy.UpstreamFile));
        Assert.Equal(pids, stage.Instances.Select(i => File.ReadAllText(Path.Combine(stage.Directory, i.Name + ".pid")).Trim()));
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
    }
}
