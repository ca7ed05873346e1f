using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.OnTarget;

/// <summary>A check's <c>targets:</c>/<c>on:</c> selector: names, labels and '*', and located errors for what matches nothing.</summary>
public sealed class TargetSelectorTests : IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("deployops-selector-").FullName;

    public TargetSelectorTests()
    {
        File.WriteAllText(Path.Combine(_keys, "id"), "only required to exist");
        File.WriteAllText(Path.Combine(_keys, "known_hosts"), "");
    }

    public void Dispose()
    {
        try { Directory.Delete(_keys, true); } catch (IOException) { }
    }

    private string Yaml(string checks) => OneCheck.Header + $"""
        targets:
          web1: {"{"} address: 10.77.1.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [web, eu] {"}"}
          web2: {"{"} address: 10.77.2.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [web] {"}"}
          db1: {"{"} address: 10.77.3.2, user: deploy, identityFile: {_keys}/id, knownHosts: {_keys}/known_hosts, labels: [db] {"}"}
        checks:
        {checks}
        """;

    [Theory]
    [InlineData("targets: web", "web1,web2")]
    [InlineData("targets: [eu, db1]", "web1,db1")]
    [InlineData("on: ['*']", "web1,web2,db1")]
    [InlineData("targets: [web1, web]", "web1,web2")]
    public void Names_labels_and_star_select_hosts_once_each(string selector, string expected)
    {
        using var cfg = new TempConfig(Yaml($"  - {{ name: d, kind: disk, minFree: 1MB, {selector} }}"));
        var check = Assert.Single(ConfigLoader.Load(cfg.Path).Checks);
        Assert.Equal(expected.Split(','), check.Hosts.Select(h => h.Name));
    }

    [Theory]
    [InlineData("kind: disk, targets: [web, nope]", "checks[0].targets", "'nope' is neither a target nor a label (targets: db1, web1, web2; labels: db, eu, web)")]
    [InlineData("kind: tls, host: example.org, targets: web", "checks[0].targets", "a 'tls' check cannot run on a target (kinds that can: command, disk, docker, http, memory, tcp)")]
    [InlineData("kind: disk, targets: web, on: db", "checks[0].on", "give either 'targets' or 'on', not both")]
    public void A_selector_that_matches_nothing_or_a_kind_that_cannot_run_remotely_is_a_located_error(string entry, string path, string message)
    {
        using var cfg = new TempConfig(Yaml($"  - {{ name: d, {entry} }}"));
        var error = Assert.Single(ConfigLoader.Validate(cfg.Path), e => e.Path == path);
        Assert.Equal(message, error.Message);
        Assert.Equal(8, error.Line);
    }
}
