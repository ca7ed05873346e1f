using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>What a hotfix writes into the router for the targets it started (no processes: the assignment rule alone).</summary>
public sealed class HotfixRotationTests
{
    private static DeploymentSettings Settings(TempConfig config) => ConfigLoader.Load(config.Path).Deployment;

    private static TempConfig Config() => new("""
        application: a
        environment: b
        deployment:
          slots:
            blue: { host: 127.0.0.1, port: 8001 }
            green: { host: 127.0.0.1, port: 8002 }
          instances:
            - { name: web1, host: 127.0.0.1, port: 9001 }
            - { name: web2, host: 127.0.0.1, port: 9002 }
            - { name: web3, host: 127.0.0.1, port: 9003 }
        """);

    [Fact]
    public void Instances_in_rotation_keep_their_weights_and_a_hotfixed_one_out_of_rotation_joins_with_the_serving_weight()
    {
        using var config = Config();
        var settings = Settings(config);
        var current = new[]
        {
            new TrafficBackend("web1", "127.0.0.1", 9001, 100),
            new TrafficBackend("web2", "127.0.0.1", 9002, 0),
            new TrafficBackend("web3", "127.0.0.1", 9003, 50),
        };

        var assigned = HotfixRotation.Assignment(settings, current, settings.Instances, isSlot: false);

        Assert.Equal("web1 127.0.0.1:9001 weight=100; web2 127.0.0.1:9002 weight=100; web3 127.0.0.1:9003 weight=50", TrafficBackend.Describe(assigned));
    }

    [Fact]
    public void With_no_router_state_every_hotfixed_instance_joins_with_weight_1_and_others_stay_out()
    {
        using var config = Config();
        var settings = Settings(config);

        var assigned = HotfixRotation.Assignment(settings, null, settings.Instances.Take(2).ToList(), isSlot: false);

        Assert.Equal("web1 127.0.0.1:9001 weight=1; web2 127.0.0.1:9002 weight=1; web3 127.0.0.1:9003 down", TrafficBackend.Describe(assigned));
    }

    [Fact]
    public void A_hotfixed_slot_takes_all_traffic_and_the_other_slot_is_down()
    {
        using var config = Config();
        var settings = Settings(config);

        var assigned = HotfixRotation.Assignment(settings, null, new[] { settings.Slots[1] }, isSlot: true);

        Assert.Equal("blue 127.0.0.1:8001 down; green 127.0.0.1:8002 weight=100", TrafficBackend.Describe(assigned));
    }
}
