using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Tests.Docker;

public sealed class DockerEndpointTests
{
    [Fact]
    public void Defaults_to_the_standard_socket_when_nothing_is_configured()
    {
        var endpoint = DockerEndpoint.Resolve(null, _ => null);
        Assert.Equal("/var/run/docker.sock", endpoint.SocketPath);
    }

    [Fact]
    public void Honours_DOCKER_HOST_and_lets_configuration_win_over_it()
    {
        Assert.Equal("/run/a.sock", DockerEndpoint.Resolve(null, n => n == "DOCKER_HOST" ? "unix:///run/a.sock" : null).SocketPath);
        Assert.Equal("/run/b.sock", DockerEndpoint.Resolve("unix:///run/b.sock", _ => "unix:///run/a.sock").SocketPath);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2375", 2375)]
    [InlineData("tcp://localhost:2376", 2376)]
    [InlineData("tcp://[::1]:2377", 2377)]
    public void Accepts_tcp_on_loopback(string host, int port)
    {
        var endpoint = DockerEndpoint.Parse(host);
        Assert.Equal(DockerTransport.Tcp, endpoint.Transport);
        Assert.Equal(port, endpoint.Port);
        Assert.Null(endpoint.Tls);
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2375")]
    [InlineData("tcp://docker.example.com:2375")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("ssh://deploy:secret@host")]
    [InlineData("ssh://-oProxyCommand=x@host")]
    [InlineData("ftp://host")]
    [InlineData("unix://relative.sock")]
    public void Refuses_plain_remote_tcp_and_malformed_hosts(string host)
    {
        var ex = Assert.Throws<DeployOpsException>(() => DockerEndpoint.Parse(host));
        Assert.Equal(ErrorIds.DockerHostInvalid, ex.ErrorId);
        Assert.Contains(host, ex.Message);
    }

    [Theory]
    [InlineData("app:1.2", "app", "1.2")]
    [InlineData("app", "app", "latest")]
    [InlineData("127.0.0.1:5000/team/app:7", "127.0.0.1:5000/team/app", "7")]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app", "latest")]
    [InlineData("app@sha256:abc", "app@sha256:abc", null)]
    public void Splits_image_references_into_repository_and_tag(string image, string repository, string? tag)
    {
        Assert.Equal((repository, tag), DockerClient.SplitReference(image));
    }
}
