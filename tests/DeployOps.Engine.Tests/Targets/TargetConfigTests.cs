using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Targets;

/// <summary>The <c>targets:</c> section and slots/instances that name a target: what loads, and located errors for what does not.</summary>
public sealed class TargetConfigTests : IDisposable
{
    private readonly string _keys = Directory.CreateTempSubdirectory("deployops-targets-").FullName;

    public TargetConfigTests()
    {
        File.WriteAllText(Path.Combine(_keys, "id_ed25519"), "not read by the loader, only required to exist");
        File.WriteAllText(Path.Combine(_keys, "known_hosts"), "");
    }

    public void Dispose()
    {
        try { Directory.Delete(_keys, true); } catch (IOException) { }
    }

    private string Yaml(string targets, string instances = "") => $"""
        application: shop
        environment: prod
        targets:
        {targets}
        deployment:
          strategy: rolling
          instances:
        {(instances.Length > 0 ? instances : "    - { name: app1, target: web1, port: 5000 }")}
        """;

    private string Web1(string extra = "") => $"""
          web1:
            address: 10.77.1.2
            user: deploy
            identityFile: {_keys}/id_ed25519
            knownHosts: {_keys}/known_hosts
        {extra}
        """;

    [Fact]
    public void A_target_loads_with_its_defaults_and_an_instance_lives_on_it()
    {
        using var cfg = new TempConfig(Yaml(Web1("""
                labels: [web, eu]
              bastion:
                address: 10.77.9.2
                port: 2222
                user: jump
                agent: true
                knownHosts: {KH}
              web2:
                address: 10.77.2.2
                user: deploy
                agent: true
                knownHosts: {KH}
                jump: bastion
            """.Replace("{KH}", Path.Combine(_keys, "known_hosts"), StringComparison.Ordinal)),
            "    - { name: app1, target: web1, port: 5000 }\n    - { name: app2, target: web2, host: 127.0.0.1, port: 5001 }"));
        var config = ConfigLoader.Load(cfg.Path);

        var web1 = config.Targets["web1"];
        Assert.Equal(("10.77.1.2", 22, "deploy"), (web1.Address, web1.Port, web1.User));
        Assert.Equal(Path.Combine(_keys, "id_ed25519"), web1.IdentityFile);
        Assert.Equal(new[] { "web", "eu" }, web1.Labels);
        Assert.Null(web1.Jump);
        Assert.True(config.Targets["bastion"].UsesAgent);
        Assert.Equal(2222, config.Targets["bastion"].Port);
        Assert.Same(config.Targets["bastion"], config.Targets["web2"].Jump);

        var app1 = config.Deployment.Instances[0];
        Assert.Same(web1, app1.Remote);
        Assert.Equal("10.77.1.2", app1.Host); // the target's address unless host: says otherwise
        Assert.Equal("127.0.0.1", config.Deployment.Instances[1].Host);
    }

    [Theory]
    [InlineData("    user: deploy\n    agent: true\n", "is required", "targets.web1.address")]
    [InlineData("    address: 10.77.1.2\n    agent: true\n", "is required", "targets.web1.user")]
    [InlineData("    address: 'bad host;'\n    user: deploy\n", "is not a host name", "targets.web1.address")]
    [InlineData("    address: 10.77.1.2\n    user: '-oProxyCommand=x'\n", "is not a user name", "targets.web1.user")]
    [InlineData("    address: 10.77.1.2\n    user: deploy\n    agent: true\n    identityFile: {K}/id_ed25519\n", "exactly one of identityFile", "targets.web1")]
    [InlineData("    address: 10.77.1.2\n    user: deploy\n    identityFile: {K}/missing_key\n", "file not found", "targets.web1.identityFile")]
    [InlineData("    address: 10.77.1.2\n    user: deploy\n    agent: true\n    knownHosts: {K}/nope\n", "file not found", "targets.web1.knownHosts")]
    [InlineData("    address: 10.77.1.2\n    user: deploy\n    agent: true\n    jump: nowhere\n", "'nowhere' is not a target", "targets.web1.jump")]
    [InlineData("    address: 10.77.1.2\n    user: deploy\n    agent: true\n    kind: telnet\n", "unknown target kind", "targets.web1.kind")]
    [InlineData("    address: 10.77.1.2\n    user: deploy\n    agent: true\n    strictHostKeyChecking: no\n", "strictHostKeyChecking", "targets.web1")]
    public void A_bad_target_is_a_located_error(string body, string expected, string path)
    {
        var text = "  web1:\n" + body.Replace("{K}", _keys, StringComparison.Ordinal);
        if (!text.Contains("knownHosts", StringComparison.Ordinal)) text += $"    knownHosts: {_keys}/known_hosts\n";
        using var cfg = new TempConfig(Yaml(text));
        var errors = ConfigLoader.Validate(cfg.Path);
        var error = Assert.Single(errors, e => e.Path.StartsWith(path, StringComparison.Ordinal) && e.Message.Contains(expected, StringComparison.Ordinal));
        Assert.True(error.Line >= 4, $"line {error.Line}");
    }

    [Fact]
    public void An_instance_naming_an_unknown_target_is_an_error_on_its_line()
    {
        using var cfg = new TempConfig(Yaml(Web1(), "    - { name: app1, target: web9, port: 5000 }"));
        var error = Assert.Single(ConfigLoader.Validate(cfg.Path));
        Assert.Equal("deployment.instances[0].target", error.Path);
        Assert.Contains("'web9' is not a target of this file (targets: web1)", error.Message);
        Assert.Equal(13, error.Line);
    }

    [Fact]
    public void A_jump_host_with_a_jump_of_its_own_is_refused()
    {
        var kh = Path.Combine(_keys, "known_hosts");
        using var cfg = new TempConfig(Yaml(Web1($$"""
                jump: b1
              b1: { address: 10.77.3.2, user: j, agent: true, knownHosts: {{kh}}, jump: b2 }
              b2: { address: 10.77.4.2, user: j, agent: true, knownHosts: {{kh}} }
            """)));
        var error = Assert.Single(ConfigLoader.Validate(cfg.Path));
        Assert.Contains("'b1' has a jump host itself", error.Message);
    }

    [Fact]
    public void The_fleet_example_validates_with_four_hosts_behind_one_router()
    {
        var config = ConfigLoader.Load(RepositoryPaths.Examples("fleet/deployops.yaml"), n => n == "SHOP_DB_PASSWORD" ? "example-only" : null);
        Assert.Equal(new[] { "web1", "web2", "web3", "web4" }, config.Targets.Keys.Order(StringComparer.Ordinal));
        Assert.All(config.Deployment.Instances, i => Assert.Equal(i.Remote!.Address, i.Host));
        Assert.All(config.Targets.Values, t => Assert.True(t.UsesAgent));
    }
}
