using System.Net.Sockets;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>No daemon: the failure must say where DeployOps looked and how to get a daemon there.</summary>
public sealed class DockerUnreachableTests : IDisposable
{
    private readonly string _dir = ExternalProcess.TempDirectory("docker-none");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task A_missing_socket_is_DockerUnreachable_with_how_to_reach_the_daemon()
    {
        var socket = Path.Combine(_dir, "docker.sock");
        using var client = new DockerClient(DockerEndpoint.Parse("unix://" + socket));
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => client.VersionAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
        Assert.Contains(socket, ex.Message);
        Assert.Contains("does not exist", ex.Message);
        Assert.Contains("dockerd", ex.Message);
        Assert.Contains("DOCKER_HOST", ex.Message);
    }

    [Fact]
    public async Task The_hint_names_DOCKER_HOST_or_the_host_key_whichever_gave_the_address()
    {
        var socket = Path.Combine(_dir, "docker.sock");
        using var fromEnvironment = DockerClient.Create(null, n => n == "DOCKER_HOST" ? "unix://" + socket : null);
        var env = await Assert.ThrowsAsync<DeployOpsException>(() => fromEnvironment.PingAsync(CancellationToken.None));
        Assert.Contains("set DOCKER_HOST", env.Message);
        using var fromConfiguration = DockerClient.Create("unix://" + socket, _ => "unix:///var/run/other.sock");
        var configured = await Assert.ThrowsAsync<DeployOpsException>(() => fromConfiguration.PingAsync(CancellationToken.None));
        Assert.Contains($"correct the host: key of the configuration (unix://{socket} now)", configured.Message);
        Assert.DoesNotContain("DOCKER_HOST", configured.Message);
    }

    [Fact]
    public async Task A_stale_socket_nobody_listens_on_is_DockerUnreachable_connection_refused()
    {
        var path = Path.Combine(_dir, "stale.sock");
        // Bound but not listening: the socket file exists and connecting is refused, as after a daemon crash.
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));
        using var client = new DockerClient(DockerEndpoint.Parse("unix://" + path));
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => client.PingAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
        Assert.Contains("refused", ex.Message);
    }

    [Fact]
    public async Task A_closed_loopback_port_is_DockerUnreachable()
    {
        var port = FreePort.Next();
        using var client = new DockerClient(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"));
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => client.InfoAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
        Assert.Contains($"tcp://127.0.0.1:{port}", ex.Message);
    }
}
