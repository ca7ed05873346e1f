using System.Net;
using System.Net.Sockets;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>
/// DOCKER_HOST=tcp://127.0.0.1:port: the test daemon listens only on its unix socket, so a loopback relay stands in
/// for a daemon's tcp listener (dockerd itself warns against unauthenticated tcp, and we never start one).
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class DockerTcpEndpointTests
{
    private readonly DockerDaemonFixture _daemon;

    public DockerTcpEndpointTests(DockerDaemonFixture daemon) => _daemon = daemon;

    [Fact]
    public async Task The_client_talks_to_a_daemon_over_loopback_tcp_when_DOCKER_HOST_says_so()
    {
        using var relay = new TcpListener(IPAddress.Loopback, 0);
        relay.Start();
        using var stop = new CancellationTokenSource();
        var relaying = RelayAsync(relay, _daemon.SocketPath, stop.Token);
        var port = ((IPEndPoint)relay.LocalEndpoint).Port;

        using (var client = DockerClient.Create(null, name => name == "DOCKER_HOST" ? $"tcp://127.0.0.1:{port}" : null))
        {
            Assert.Equal(port, client.Endpoint.Port);
            var version = await client.VersionAsync(CancellationToken.None);
            Assert.Equal("1.41", version.APIVersion);
            Assert.NotNull(await client.TryInspectImageAsync(DockerDaemonFixture.TestImage("1"), CancellationToken.None));
        }
        stop.Cancel();
        relay.Stop();
        await relaying;
    }

    private static async Task RelayAsync(TcpListener listener, string socketPath, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var tcp = await listener.AcceptTcpClientAsync(ct);
                connections.Add(Task.Run(async () =>
                {
                    using var _ = tcp;
                    using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await unix.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    await using var daemon = new NetworkStream(unix, ownsSocket: false);
                    var client = tcp.GetStream();
                    await Task.WhenAny(client.CopyToAsync(daemon, ct), daemon.CopyToAsync(client, ct));
                }, ct));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        foreach (var c in connections) await c.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
