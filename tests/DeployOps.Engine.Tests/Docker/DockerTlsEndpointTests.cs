using DeployOps.Engine.Checks;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>
/// tcp:// with TLS client certificates against a real dockerd --tlsverify in a network namespace of its own, with
/// a CA of its own (<see cref="TlsDockerDaemonFixture"/>): the verified connection works; another CA, a missing client
/// certificate and plain tcp to that non-loopback address without the insecure opt-in are refused. The docker check and
/// deployment.docker read the same host/tls keys and reach the same daemon.
/// </summary>
[Collection(TlsDockerCollection.Name)]
public sealed class DockerTlsEndpointTests
{
    private readonly TlsDockerDaemonFixture _daemon;

    public DockerTlsEndpointTests(TlsDockerDaemonFixture daemon) => _daemon = daemon;

    [Fact(Timeout = 120_000)]
    public async Task A_verified_connection_with_the_client_certificate_reaches_the_daemon_in_its_namespace()
    {
        using var docker = DockerClient.Create(_daemon.Host, _ => null, new DockerTlsOptions(_daemon.CaFile, _daemon.CertFile, _daemon.KeyFile));
        Assert.False(docker.Endpoint.IsLocal);
        var version = await docker.VersionAsync(CancellationToken.None);
        Assert.Equal("1.41", version.APIVersion);
        Assert.NotNull(await docker.TryInspectImageAsync(DockerDaemonFixture.TestImage("1"), CancellationToken.None));
        Assert.Null(await docker.TryInspectImageAsync(DockerDaemonFixture.TestImage("2"), CancellationToken.None));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_daemon_certificate_signed_by_another_CA_is_refused()
    {
        using var wrong = DockerClient.Create(_daemon.Host, _ => null, new DockerTlsOptions(_daemon.OtherCaFile, _daemon.CertFile, _daemon.KeyFile));
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => wrong.PingAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, ex.Kind);
        Assert.Contains("TLS handshake failed", ex.Message);
        Assert.Contains(_daemon.Host, ex.Message);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_daemon_refuses_a_client_without_a_certificate()
    {
        using var anonymous = DockerClient.Create(_daemon.Host, _ => null, new DockerTlsOptions(_daemon.CaFile, null, null));
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => anonymous.PingAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, ex.Kind);
        Assert.Contains("did not accept the client certificate; none is configured", ex.Message);
        Assert.Contains("tls.cert and tls.key", ex.Message);
    }

    [Fact(Timeout = 120_000)]
    public async Task Plain_tcp_to_the_non_loopback_daemon_is_refused_without_the_insecure_opt_in()
    {
        var plain = $"tcp://{_daemon.Address}:{TlsDockerDaemonFixture.Port}";
        var ex = Assert.Throws<DeployOpsException>(() => DockerClient.Create(plain, _ => null));
        Assert.Equal(ErrorIds.DockerHostInvalid, ex.ErrorId);
        Assert.Contains("insecurePlainTcp: true", ex.Message);

        // With the opt-in the client sends plain HTTP, which a --tlsverify daemon does not serve either.
        using var optedIn = DockerClient.Create(plain, _ => null, allowInsecureTcp: true);
        var refused = await Assert.ThrowsAnyAsync<DeployOpsException>(() => optedIn.PingAsync(CancellationToken.None));
        Assert.Contains(_daemon.Host, refused.Message);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_docker_check_and_deployment_docker_read_the_same_tls_keys_and_reach_the_daemon()
    {
        var tls = $"{{ ca: {_daemon.CaFile}, cert: {_daemon.CertFile}, key: {_daemon.KeyFile} }}";
        using var cfg = new TempConfig($$"""
            application: shop
            environment: test
            checks:
              - name: remote-docker
                kind: docker
                host: {{_daemon.Host}}
                tls: {{tls}}
                image: {{DockerDaemonFixture.TestImage("1")}}
                timeout: 60s
              - name: wrong-ca
                kind: docker
                host: {{_daemon.Host}}
                tls: { ca: {{_daemon.OtherCaFile}}, cert: {{_daemon.CertFile}}, key: {{_daemon.KeyFile}} }
                timeout: 60s
            deployment:
              slots:
                blue: { port: 8081 }
                green: { port: 8082 }
              docker:
                image: "deployops-test:{version}"
                host: {{_daemon.Host}}
                tls: {{tls}}
            """);
        var config = ConfigLoader.Load(cfg.Path);
        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), new RecordingSink(), CancellationToken.None);
        var good = report.Results.Single(r => r.Name == "remote-docker");
        // Free space in a remote daemon's data root is not measurable from here: a warning, not a pass on a guess.
        Assert.True(good.Status == CheckStatus.Warning, good.Message);
        Assert.Equal("1.41", good.Data["apiVersion"]);
        Assert.StartsWith("sha256:", (string)good.Data["imageId"]!);
        Assert.Contains("is remote", good.Message);
        var wrong = report.Results.Single(r => r.Name == "wrong-ca");
        Assert.Equal(CheckStatus.Failed, wrong.Status);
        Assert.Equal(ErrorIds.DockerUnreachable, wrong.Data["errorId"]);

        using var deploymentClient = config.Deployment.Docker!.CreateClient();
        Assert.Equal("1.41", (await deploymentClient.VersionAsync(CancellationToken.None)).APIVersion);
    }

    [Fact]
    public void The_check_rejects_tls_without_a_tcp_host_and_relative_paths_with_their_key()
    {
        using var cfg = new TempConfig("""
            application: shop
            environment: test
            checks:
              - name: a
                kind: docker
                tls: { ca: /etc/ca.pem }
              - name: b
                kind: docker
                host: unix:///run/docker.sock
                tls: { ca: relative.pem }
              - name: c
                kind: docker
                host: tcp://10.1.2.3:2376
                ssh: { identityFile: /root/.ssh/id_ed25519 }
            """);
        var errors = string.Join("\n", ConfigLoader.Validate(cfg.Path));
        Assert.Contains("tls needs a tcp:// host", errors);
        Assert.Contains("must be an absolute path", errors);
        Assert.Contains("TLS settings apply to tcp:// hosts only", errors);
        Assert.Contains("ssh settings apply to ssh:// hosts only", errors);
    }
}
