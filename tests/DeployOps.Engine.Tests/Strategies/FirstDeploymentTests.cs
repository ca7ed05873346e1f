using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// The first deployment of blue-green, canary and hotfix onto an empty host (no application process runs), through a
/// real nginx and a real haproxy (issue 13 §3): the targets are brought up and verified, then put into rotation, and
/// the router ends up sending every request to what the deployment started — never left for the admin to edit.
/// </summary>
public sealed class FirstDeploymentTests
{
    public static TheoryData<string> Routers => new() { "nginx", "haproxy" };

    [Theory]
    [MemberData(nameof(Routers))]
    public async Task Hotfix_onto_an_empty_host_puts_every_instance_it_started_into_rotation(string router)
    {
        var (stage, haproxy) = Stage(router, instances: 2, noneRouted: true);
        using var _ = stage;
        using var __ = haproxy;
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Hotfix, sink);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "hotfix:web1", "smoke:web1", "hotfix:web2", "smoke:web2", "traffic:in", "router-check" }, record.Phases.Select(p => p.Name));
        Assert.Equal("web1,web2", record.Fields[HotfixRotation.Field]);
        Assert.Matches(@"^router check: 0 of 20 request\(s\)", record.Phases.Last().Detail);
        Assert.DoesNotContain(sink.Warnings, w => w.Contains("restarts without maintenance", StringComparison.Ordinal));
        var counts = await CountAsync(stage, haproxy, 20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, NginxStage.Show(counts));
        var current = await TrafficSwitcher.CreateRouter(stage.Load()).ReadCurrentAsync(CancellationToken.None);
        Assert.All(current!, b => Assert.True(b.Weight > 0, TrafficBackend.Describe(current!)));

        // The next hotfix finds both in rotation: no traffic phase, no reload.
        var next = await stage.DeployAsync("2.0.1", DeploymentStrategy.Hotfix);
        Assert.True(next!.Outcome == DeploymentOutcome.Succeeded, next.Error);
        Assert.DoesNotContain(next.Phases, p => p.Name == HotfixRotation.PhaseName);
        Assert.False(next.Fields.ContainsKey(HotfixRotation.Field));
    }

    [Theory]
    [MemberData(nameof(Routers))]
    public async Task Hotfix_of_slots_onto_an_empty_host_sends_all_traffic_to_the_slot_it_started(string router)
    {
        var (stage, haproxy) = Stage(router, noneRouted: true);
        using var _ = stage;
        using var __ = haproxy;

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Hotfix);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "hotfix:blue", "smoke:blue", "traffic:in", "router-check" }, record.Phases.Select(p => p.Name));
        var counts = await CountAsync(stage, haproxy, 20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, NginxStage.Show(counts));
        var current = await TrafficSwitcher.CreateRouter(stage.Load()).ReadCurrentAsync(CancellationToken.None);
        Assert.Equal("blue", TrafficSwitcher.ActiveSlot(current));
    }

    [Theory]
    [MemberData(nameof(Routers))]
    public async Task Blue_green_onto_an_empty_host_deploys_blue_then_gives_it_all_traffic(string router)
    {
        var (stage, haproxy) = Stage(router, noneRouted: true);
        using var _ = stage;
        using var __ = haproxy;

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "deploy:blue", "verify:blue", "traffic:blue", "post-verify" }, record.Phases.Select(p => p.Name));
        var counts = await CountAsync(stage, haproxy, 20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, NginxStage.Show(counts));
    }

    /// <summary>
    /// The router names blue live (haproxy.cfg with blue enabled, as docs/deployment.md shows, or a first include
    /// written by hand) but nothing runs: a canary has no baseline. It used to send 95 % to the dead blue and stop
    /// with TrafficTargetUnreachable; it is a first deployment: green is verified, then gets all traffic.
    /// </summary>
    [Theory]
    [MemberData(nameof(Routers))]
    public async Task Canary_onto_an_empty_host_where_the_router_names_blue_live_gives_the_verified_slot_all_traffic(string router)
    {
        var (stage, haproxy) = Stage(router);
        using var _ = stage;
        using var __ = haproxy;

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Canary);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "deploy:green", "verify:green", "traffic:green", "post-verify" }, record.Phases.Select(p => p.Name));
        Assert.False(record.Fields.ContainsKey("previousSlot"));
        var counts = await CountAsync(stage, haproxy, 20);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 20, NginxStage.Show(counts));
    }

    /// <summary>
    /// An empty host (nothing started) behind the stage's own nginx, or behind a haproxy in front of the same targets
    /// with the same initial assignment (then the verify steps look through haproxy).
    /// </summary>
    private static (DeploymentStage Stage, HaproxyStage? Haproxy) Stage(string router, int instances = 0, bool noneRouted = false)
    {
        if (router != "haproxy") return (new DeploymentStage(instances, startInstances: false, noneRouted: noneRouted), null);
        var port = FreePort.Next();
        var stage = new DeploymentStage(instances, startInstances: false, noneRouted: noneRouted, verify:
            $"- name: haproxy serves the new version\n  http: {{ url: \"http://127.0.0.1:{port}/version\", expectJson: {{ version: \"{{version}}\" }} }}");
        return (stage, HaproxyDeploymentTests.UseHaproxy(stage, port));
    }

    private static Task<Dictionary<string, int>> CountAsync(DeploymentStage stage, HaproxyStage? haproxy, int requests) =>
        haproxy?.CountVersionsAsync(requests) ?? stage.Proxy.CountVersionsAsync(requests);
}
