using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>
/// ssh://root@10.77.N.2: a real sshd in a network namespace (tests/fixtures/ssh-host.sh, through
/// <see cref="SshHostFixture"/>) whose sessions point the host's docker CLI at the namespaced daemon's socket, so the
/// client's <c>ssh … docker system dial-stdio</c> reaches it exactly as the docker CLI would. The key and known_hosts
/// come from the configuration's <c>ssh:</c> keys; an unknown host key is refused, never learnt.
/// </summary>
[Collection(TlsDockerCollection.Name)]
public sealed class DockerSshEndpointTests : IDisposable
{
    private readonly TlsDockerDaemonFixture _daemon;
    private readonly SshHostFixture _ssh;

    public DockerSshEndpointTests(TlsDockerDaemonFixture daemon)
    {
        _daemon = daemon;
        ExternalProcess.Require("apt-get install -y docker.io", "/usr/bin/docker", "docker");
        _ssh = new SshHostFixture(1, "DOCKER_HOST=" + daemon.UnixHost);
    }

    public void Dispose() => _ssh.Dispose();

    private string Host => $"ssh://root@{_ssh.Hosts[0].Address}";

    [Fact(Timeout = 120_000)]
    public async Task The_client_reaches_the_remote_daemon_through_ssh_and_docker_system_dial_stdio()
    {
        using var cfg = new TempConfig($$"""
            application: shop
            environment: test
            deployment:
              slots:
                blue: { port: 8081 }
                green: { port: 8082 }
              docker:
                image: "deployops-test:{version}"
                host: {{Host}}
                ssh: { identityFile: {{_ssh.ClientKey}}, knownHosts: {{_ssh.KnownHosts}} }
            """);
        using var docker = ConfigLoader.Load(cfg.Path).Deployment.Docker!.CreateClient();
        Assert.Equal(DockerTransport.Ssh, docker.Endpoint.Transport);
        Assert.False(docker.Endpoint.IsLocal);
        Assert.Equal("1.41", (await docker.VersionAsync(CancellationToken.None)).APIVersion);
        Assert.NotNull(await docker.TryInspectImageAsync(DockerDaemonFixture.TestImage("1"), CancellationToken.None));
    }

    [Fact(Timeout = 120_000)]
    public async Task An_unknown_host_key_is_refused_with_the_ssh_command_in_the_message()
    {
        var empty = Path.Combine(_ssh.Directory, "empty_known_hosts");
        File.WriteAllText(empty, "");
        using var docker = DockerClient.Create(Host, _ => null, ssh: new DockerSshOptions(_ssh.ClientKey, empty));
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => docker.PingAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
        Assert.Contains("StrictHostKeyChecking=yes", ex.Message);
        Assert.Contains("docker system dial-stdio", ex.Message);
    }
}
