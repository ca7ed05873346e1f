using DeployOps.Engine.Configuration;
using DeployOps.Engine.Traffic;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Targets;

/// <summary>A slot on a set of hosts (<c>targets:</c> on a slot): its members, the router's backends, and located errors.</summary>
public sealed class SlotOnHostsConfigTests : IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("deployops-slothosts-").FullName;

    public SlotOnHostsConfigTests()
    {
        File.WriteAllText(Path.Combine(_keys, "id"), "only required to exist");
        File.WriteAllText(Path.Combine(_keys, "known_hosts"), "");
    }

    public void Dispose()
    {
        try { Directory.Delete(_keys, true); } catch (IOException) { }
    }

    private string Yaml(string blue, string green = "{ targets: [h3, h4], port: 5000 }", string extra = "") => $"""
        application: shop
        environment: prod
        targets:
          h1: {"{"} address: 10.77.1.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [a] {"}"}
          h2: {"{"} address: 10.77.2.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [a] {"}"}
          h3: {"{"} address: 10.77.3.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts {"}"}
          h4: {"{"} address: 10.77.4.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts {"}"}
        deployment:
          strategy: blueGreen
          slots:
            blue: {blue}
            green: {green}
        {extra}
        """;

    [Fact]
    public void A_slot_on_a_label_has_one_member_per_host_and_every_member_is_a_backend()
    {
        using var cfg = new TempConfig(Yaml("{ targets: a, port: 5000 }"));
        var slots = ConfigLoader.Load(cfg.Path).Deployment.Slots;

        var blue = slots[0];
        Assert.Equal(new[] { "blue.h1", "blue.h2" }, blue.Members.Select(m => m.Name));
        Assert.Equal(new[] { "10.77.1.2", "10.77.2.2" }, blue.Members.Select(m => m.Host));
        Assert.Equal(new[] { "h1", "h2" }, blue.Members.Select(m => m.Remote!.Name));
        Assert.All(blue.Members, m => Assert.Equal(5000, m.Port));

        var backends = TrafficSwitcher.AllTo(slots, "green");
        Assert.Equal("blue.h1 10.77.1.2:5000 down; blue.h2 10.77.2.2:5000 down; green.h3 10.77.3.2:5000 weight=100; green.h4 10.77.4.2:5000 weight=100",
            TrafficBackend.Describe(backends));
        Assert.Equal("green", TrafficSwitcher.ActiveSlot(backends, slots)); // a member's backend counts for its slot
        Assert.Equal("green.h3", TrafficSwitcher.ActiveSlot(backends));
    }

    [Theory]
    [InlineData("{ targets: [h1, h9], port: 5000 }", "deployment.slots.blue.targets", "'h9' is neither a target nor a label")]
    [InlineData("{ targets: [h1, h2], target: h1, port: 5000 }", "deployment.slots.blue.targets", "give either targets: (a set of hosts) or target:/host:, not both")]
    public void A_bad_host_set_is_a_located_error(string blue, string path, string message)
    {
        using var cfg = new TempConfig(Yaml(blue));
        var error = Assert.Single(ConfigLoader.Validate(cfg.Path), e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal(11, error.Line);
    }
}
