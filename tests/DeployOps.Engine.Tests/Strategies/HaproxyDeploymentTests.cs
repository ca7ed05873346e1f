using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Whole deployments with <c>traffic.provider: haproxy</c>: the demo-app stage's deployops.yaml with its traffic block
/// pointed at a real haproxy, under keep-alive GET and POST load that is never retried.
/// </summary>
public sealed class HaproxyDeploymentTests
{
    private readonly ITestOutputHelper _output;

    public HaproxyDeploymentTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Blue_green_switches_through_haproxy_fail_no_request_under_keep_alive_get_and_post_load()
    {
        var port = FreePort.Next();
        using var stage = new DeploymentStage(verify:
            $"- name: haproxy serves the new version\n  http: {{ url: \"http://127.0.0.1:{port}/version\", expectJson: {{ version: \"{{version}}\" }} }}");
        using var haproxy = UseHaproxy(stage, port);
        var pid = haproxy.Haproxy.Pid;
        await using var load = new KeepAliveLoad(haproxy.ProxyUrl, concurrency: 16);
        await load.WarmUpAsync(200);

        foreach (var version in new[] { "2.0.0", "3.0.0", "4.0.0" })
        {
            var record = await stage.DeployAsync(version, DeploymentStrategy.BlueGreen);
            foreach (var phase in record!.Phases) _output.WriteLine($"{version} {phase.Name} {phase.Start:HH:mm:ss.fff} {phase.Duration?.TotalMilliseconds:0} ms");
            Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        }
        while (load.Requests < 3000) await Task.Delay(50);

        await load.DisposeAsync();
        _output.WriteLine(load.Summary());
        foreach (var g in load.Failures.GroupBy(f => f[^12..^3])) _output.WriteLine($"{g.Key}: {g.Count()} x {g.First()}");
        Assert.True(load.Failures.IsEmpty, load.Summary());
        Assert.True(load.Posts >= 1000, load.Summary());
        Assert.Equal(pid, haproxy.Haproxy.Pid); // no reload, no new process
        foreach (var version in new[] { "1.0.0", "2.0.0", "3.0.0", "4.0.0" })
            Assert.True(load.Versions.GetValueOrDefault(version) > 0, $"{version} never answered: {load.Summary()}");
        var current = await TrafficSwitcher.CreateRouter(stage.Load()).ReadCurrentAsync(CancellationToken.None);
        Assert.Equal("green", TrafficSwitcher.ActiveSlot(current)); // blue, green, blue, green
    }

    [Fact]
    public async Task Rolling_through_haproxy_drains_each_instance_and_fails_no_request()
    {
        var port = FreePort.Next();
        using var stage = new DeploymentStage(instances: 3, verify:
            $"- name: haproxy answers\n  http: \"http://127.0.0.1:{port}/version\"");
        using var haproxy = UseHaproxy(stage, port);
        await using var load = new KeepAliveLoad(haproxy.ProxyUrl, concurrency: 8);
        await load.WarmUpAsync(200);

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        while (load.Requests < 1000) await Task.Delay(50);
        await load.DisposeAsync();
        _output.WriteLine(load.Summary());
        Assert.True(load.Failures.IsEmpty, load.Summary());
        Assert.Equal(20, (await haproxy.CountVersionsAsync(20)).GetValueOrDefault("2.0.0"));
        var log = File.ReadAllText(record.LogPath!);
        foreach (var instance in stage.Instances)
            Assert.Contains($"srv_{instance.Name} drained", log);
    }

    /// <summary>
    /// Starts haproxy in front of the stage's targets with the stage's initial assignment (weight 0 = a server
    /// <c>disabled</c> in haproxy.cfg) and points the stage's traffic block at it.
    /// </summary>
    internal static HaproxyStage UseHaproxy(DeploymentStage stage, int port)
    {
        var haproxy = new HaproxyStage(stage.Routed, port);
        var yaml = File.ReadAllText(stage.ConfigPath);
        var nginxBlock = stage.Proxy.Yaml("  ");
        Assert.Contains(nginxBlock, yaml);
        File.WriteAllText(stage.ConfigPath, yaml.Replace(nginxBlock, haproxy.Yaml("  ")));
        return haproxy;
    }
}
