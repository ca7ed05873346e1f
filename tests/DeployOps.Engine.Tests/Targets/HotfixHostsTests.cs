using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Targets;

/// <summary>A hotfix on named hosts (-Target): which places it picks, its errors, and a slot on a set of hosts.</summary>
public sealed class HotfixHostsTests : IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("deployops-hotfixhosts-").FullName;

    public HotfixHostsTests()
    {
        File.WriteAllText(Path.Combine(_keys, "id"), "only required to exist");
        File.WriteAllText(Path.Combine(_keys, "known_hosts"), "");
    }

    public void Dispose()
    {
        try { Directory.Delete(_keys, true); } catch (IOException) { }
    }

    private TempConfig Config() => new($"""
        application: shop
        environment: prod
        targets:
          h1: {"{"} address: 10.77.1.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [a] {"}"}
          h2: {"{"} address: 10.77.2.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [b] {"}"}
          h3: {"{"} address: 10.77.3.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [b] {"}"}
          spare: {"{"} address: 10.77.4.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [b, idle] {"}"}
        deployment:
          slots:
            blue: {"{"} targets: [h1, h2], port: 5000 {"}"}
            green: {"{"} targets: [h3], port: 5000 {"}"}
          instances:
            - {"{"} name: web1, target: h1, port: 5000 {"}"}
            - {"{"} name: web2, target: h2, port: 5000 {"}"}
            - {"{"} name: web3, target: h3, port: 5000 {"}"}
            - {"{"} name: local, port: 5001 {"}"}
        """);

    [Theory]
    [InlineData("h2", "h2", "web2")]
    [InlineData("b", "h2,h3", "web2,web3")]            // a label: spare has no instance and is left out
    [InlineData("h3,a,h3", "h1,h3", "web1,web3")]      // in the instances' order, each once
    [InlineData("*", "h1,h2,h3", "web1,web2,web3")]    // the local instance has no host to name
    public void Names_and_labels_pick_the_instances_on_those_hosts(string selectors, string hosts, string instances)
    {
        using var cfg = Config();
        var config = ConfigLoader.Load(cfg.Path);
        var picked = HotfixHosts.Resolve(config, DeploymentStrategy.Hotfix, config.Deployment.Instances, selectors.Split(','));
        Assert.Equal(hosts.Split(','), picked);
        var fields = new Dictionary<string, string> { [HotfixHosts.Field] = string.Join(",", picked) };
        Assert.Equal(instances.Split(','), HotfixHosts.Restrict(config.Deployment.Instances, fields).Select(i => i.Name));
        Assert.Equal(4, HotfixHosts.Restrict(config.Deployment.Instances, new Dictionary<string, string>()).Count);
    }

    [Theory]
    [InlineData(DeploymentStrategy.Hotfix, "h2,web9", "web9", ErrorKind.ObjectNotFound,
        "-Target 'web9' is neither a target nor a label (targets: h1, h2, h3, spare; labels: a, b, idle)")]
    [InlineData(DeploymentStrategy.Hotfix, "idle", "idle", ErrorKind.ObjectNotFound,
        "-Target 'idle' (spare): the hotfix has nothing there; it deploys web1 on h1, web2 on h2, web3 on h3, local on this host")]
    [InlineData(DeploymentStrategy.Rolling, "h1", "-Target h1", ErrorKind.InvalidArgument,
        "-Target h1: only a hotfix can be restricted to named hosts, not Rolling")]
    public void A_selector_that_picks_nothing_or_another_strategy_is_refused_saying_what_there_is(DeploymentStrategy strategy,
        string selectors, string target, ErrorKind kind, string message)
    {
        using var cfg = Config();
        var config = ConfigLoader.Load(cfg.Path);
        var error = Assert.Throws<DeployOpsException>(() =>
            HotfixHosts.Resolve(config, strategy, config.Deployment.Instances, selectors.Split(',')));
        Assert.Equal(ErrorIds.HotfixTargetInvalid, error.ErrorId);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(target, error.Target);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Members_of_a_slot_on_a_set_of_hosts_are_picked_and_put_back_into_rotation_as_their_slot()
    {
        using var cfg = Config();
        var config = ConfigLoader.Load(cfg.Path);
        var blue = config.Deployment.Slots[0];
        Assert.Equal(new[] { "h2" }, HotfixHosts.Resolve(config, DeploymentStrategy.Hotfix, blue.Places, new[] { "b" }));
        var member = HotfixHosts.Restrict(blue.Places, new Dictionary<string, string> { [HotfixHosts.Field] = "h2" });
        Assert.Equal("blue.h2", Assert.Single(member).Name);

        // A member stands for its slot: the whole slot takes the traffic, never a slot named after the member.
        var assigned = HotfixRotation.Assignment(config.Deployment, null, member, isSlot: true);
        Assert.Equal("blue.h1 10.77.1.2:5000 weight=100; blue.h2 10.77.2.2:5000 weight=100; green.h3 10.77.3.2:5000 down",
            TrafficBackend.Describe(assigned));
    }
}
