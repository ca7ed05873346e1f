using System.Net;
using System.Net.Sockets;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Checks.Tcp;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Checks.Tcp;

public sealed class TcpCheckTests
{
    [Fact]
    public async Task A_listening_port_passes_with_latency_both_as_host_port_and_as_address()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var (byHost, _, _) = await OneCheck.RunAsync($"checks:\n  - name: api\n    kind: tcp\n    host: 127.0.0.1\n    port: {port}\n");
            Assert.Equal(CheckStatus.Passed, byHost.Status);
            Assert.Equal($"127.0.0.1:{port}", byHost.Target);
            Assert.Equal("Service", byHost.Category);
            Assert.IsType<double>(byHost.Data["latencyMs"]);
            Assert.StartsWith($"127.0.0.1:{port} accepted a connection in", byHost.Message);

            var (byAddress, _, _) = await OneCheck.RunAsync($"checks:\n  - name: api\n    kind: tcp\n    address: 127.0.0.1:{port}\n");
            Assert.Equal(CheckStatus.Passed, byAddress.Status);

            var (slow, _, _) = await OneCheck.RunAsync($"checks:\n  - name: api\n    kind: tcp\n    address: 127.0.0.1:{port}\n    warnLatency: 0.001ms\n");
            Assert.Equal(CheckStatus.Warning, slow.Status);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_closed_port_fails_as_refused_well_before_the_timeout()
    {
        var port = FreePort.Next();
        var (result, _, _) = await OneCheck.RunAsync($"checks:\n  - name: api\n    kind: tcp\n    address: 127.0.0.1:{port}\n    timeout: 30s\n");

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal($"127.0.0.1:{port}: connection refused (nothing is listening)", result.Message);
    }

    [Fact]
    public void Address_or_host_and_port_are_required_and_validated()
    {
        var errors = OneCheck.Validate("""
            checks:
              - name: a
                kind: tcp
                address: localhost
              - name: b
                kind: tcp
                host: db
              - name: c
                kind: tcp
                address: db:5432
                port: 5432
            """);
        Assert.Contains(errors, e => e.Path == "checks[0].address" && e.Message.Contains("host:port"));
        Assert.Contains(errors, e => e.Path == "checks[1].port" && e.Message.Contains("is required"));
        Assert.Contains(errors, e => e.Path == "checks[2].address" && e.Message.Contains("not both"));
    }

    [Theory]
    [InlineData("db.internal:5432", "db.internal", 5432)]
    [InlineData("[::1]:6379", "::1", 6379)]
    public void Addresses_parse(string address, string host, int port)
    {
        Assert.True(TcpProbe.TryParseAddress(address, out var h, out var p));
        Assert.Equal((host, port), (h, p));
    }
}
