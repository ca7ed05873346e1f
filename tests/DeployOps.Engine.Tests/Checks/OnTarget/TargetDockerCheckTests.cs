using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.OnTarget;

/// <summary>
/// <c>kind: docker</c> on a target: the docker CLI on the host (inside its network namespace) asks the daemon named by
/// <c>host:</c> — here the test's private dockerd, whose socket the namespaces share — about the image and its data root.
/// </summary>
[Collection(DockerCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TargetDockerCheckTests : IDisposable
{
    private readonly DockerDaemonFixture _daemon;
    private readonly SshHostFixture _fleet = new(1);

    public TargetDockerCheckTests(DockerDaemonFixture daemon) => _daemon = daemon;

    public void Dispose() => _fleet.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task The_daemon_the_image_and_free_space_are_checked_on_the_host_and_failures_name_it()
    {
        _daemon.ImportTestImage("1");
        using var cfg = new TempConfig(OneCheck.Header + $"""
            targets:
              app1: {"{"} address: {_fleet.Hosts[0].Address}, user: root, identityFile: {_fleet.ClientKey}, knownHosts: {_fleet.KnownHosts} {"}"}
            defaults: {"{"} checkTimeout: 120s {"}"}
            checks:
              - {"{"} name: present, kind: docker, host: '{_daemon.Host}', image: '{DockerDaemonFixture.TestImage("1")}', minFree: 1MB, targets: app1 {"}"}
              - {"{"} name: missing, kind: docker, host: '{_daemon.Host}', image: 'deployops-test:no-such-tag', minFree: 1MB, targets: app1 {"}"}
              - {"{"} name: down, kind: docker, host: 'unix:///nonexistent/docker.sock', targets: app1 {"}"}
            """);
        var report = await PreDeploymentRunner.RunAsync(ConfigLoader.Load(cfg.Path), new PreDeploymentOptions(), new RecordingSink(),
            CancellationToken.None);

        var present = Assert.Single(report.Results, r => r.Name == "present");
        Assert.True(present.Status == CheckStatus.Passed, present.Message);
        Assert.Equal("app1", present.Host);
        Assert.Contains("on app1", present.Message);
        Assert.StartsWith("sha256:", (string)present.Data["imageId"]!);
        Assert.True((long)present.Data["freeBytes"]! > 0);

        var missing = Assert.Single(report.Results, r => r.Name == "missing");
        Assert.Equal(CheckStatus.Failed, missing.Status);
        Assert.Contains("image deployops-test:no-such-tag is not present on app1", missing.Message);
        Assert.Equal(ErrorIds.DockerImageNotFound, missing.Data["errorId"]);

        var down = Assert.Single(report.Results, r => r.Name == "down");
        Assert.Equal(CheckStatus.Failed, down.Status);
        Assert.Contains("the Docker daemon on app1 does not answer", down.Message);
        Assert.Equal(ErrorIds.DockerUnreachable, down.Data["errorId"]);
    }
}
