using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>The traffic.haproxy section: read with paths resolved, and every mistake reported where it is written.</summary>
public sealed class HaproxySettingsTests
{
    [Fact]
    public void A_haproxy_section_is_read_with_paths_resolved_against_the_config_folder()
    {
        using var config = new TempConfig("""
            application: a
            environment: b
            deployment:
              traffic:
                provider: haproxy
                probeUrl: http://127.0.0.1:8080/version
                haproxy: { socket: run/admin.sock, backend: shop, servers: { blue: shop_blue }, stateFile: state/servers, drainTimeout: 5s }
            """);
        var traffic = ConfigLoader.Load(config.Path).Deployment.Traffic;

        Assert.Equal(TrafficProvider.Haproxy, traffic.Provider);
        Assert.Equal(Path.Combine(config.Directory, "run", "admin.sock"), traffic.Haproxy!.Socket);
        Assert.Equal(Path.Combine(config.Directory, "state", "servers"), traffic.Haproxy.StateFile);
        Assert.Equal("shop_blue", traffic.Haproxy.ServerFor("blue"));
        Assert.Equal("green", traffic.Haproxy.ServerFor("green"));
        Assert.Equal(TimeSpan.FromSeconds(5), traffic.Haproxy.DrainTimeout);
    }

    [Fact]
    public void Missing_and_unsafe_haproxy_keys_are_located_errors()
    {
        using var missing = new TempConfig("""
            application: a
            environment: b
            deployment:
              traffic:
                provider: haproxy
            """);
        var errors = ConfigLoader.Validate(missing.Path);
        Assert.Contains(errors, e => e.Path == "deployment.traffic.haproxy" && e.Message.Contains("required"));
        Assert.Contains(errors, e => e.Path == "deployment.traffic.probeUrl");

        using var bad = new TempConfig("""
            application: a
            environment: b
            deployment:
              traffic:
                provider: haproxy
                probeUrl: http://127.0.0.1/version
                haproxy:
                  backend: "shop; shutdown sessions"
                  servers: { blue: "a b" }
                  socekt: /run/haproxy.sock
            """);
        errors = ConfigLoader.Validate(bad.Path);
        Assert.Contains(errors, e => e.Path == "deployment.traffic.haproxy.socket" && e.Message.Contains("level admin"));
        Assert.Contains(errors, e => e.Path == "deployment.traffic.haproxy.backend" && e.Line == 8);
        Assert.Contains(errors, e => e.Path == "deployment.traffic.haproxy.servers.blue");
        Assert.Contains(errors, e => e.Path == "deployment.traffic.haproxy.socekt" && e.Message.Contains("did you mean 'socket'"));
    }

    /// <summary>nginx's failure parameters are not silently ignored under haproxy: the error names haproxy's equivalent.</summary>
    [Fact]
    public void MaxFails_and_failTimeout_with_haproxy_are_located_errors_naming_the_haproxy_cfg_equivalent()
    {
        using var config = new TempConfig("""
            application: a
            environment: b
            deployment:
              traffic:
                provider: haproxy
                probeUrl: http://127.0.0.1/version
                maxFails: 2
                failTimeout: 3s
                haproxy: { socket: admin.sock, backend: shop }
            """);
        var errors = ConfigLoader.Validate(config.Path);
        Assert.Contains(errors, e => e.Path == "deployment.traffic.maxFails" && e.Line == 7 && e.Message.Contains("observe layer4 error-limit N on-error mark-down"));
        Assert.Contains(errors, e => e.Path == "deployment.traffic.failTimeout" && e.Line == 8 && e.Message.Contains("check inter 1s rise 2"));
    }
}
