using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>The docker check kind driven through Test-PreDeployment's engine, against the private daemon.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerCheckTests
{
    private readonly DockerDaemonFixture _daemon;

    public DockerCheckTests(DockerDaemonFixture daemon) => _daemon = daemon;

    private static async Task<CheckResult> RunSingleAsync(string checkYaml)
    {
        using var cfg = new TempConfig("application: shop\nenvironment: test\nchecks:\n" + checkYaml);
        var config = ConfigLoader.Load(cfg.Path);
        var sink = new RecordingSink();
        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), sink, CancellationToken.None);
        return Assert.Single(report.Results);
    }

    [Fact]
    public async Task Passes_when_the_daemon_answers_the_image_is_present_and_space_is_free()
    {
        var result = await RunSingleAsync($"""
              - name: docker
                kind: docker
                host: {_daemon.Host}
                image: {DockerDaemonFixture.TestImage("1")}
                minFree: 1MB
            """);
        Assert.True(result.Status == CheckStatus.Passed, result.Message);
        Assert.Equal("Service", result.Category);
        Assert.Equal("1.41", result.Data["apiVersion"]);
        Assert.False(string.IsNullOrEmpty(result.Data["version"] as string));
        Assert.StartsWith("sha256:", (string)result.Data["imageId"]!);
        Assert.Equal(Path.Combine(_daemon.Directory, "data"), result.Data["rootDir"]);
        Assert.True((long)result.Data["freeBytes"]! > 1_000_000);
        Assert.Contains("present", result.Message);
    }

    [Fact]
    public async Task Fails_when_the_data_root_has_less_than_minFree()
    {
        var result = await RunSingleAsync($"""
              - name: docker
                kind: docker
                host: {_daemon.Host}
                minFree: 1000TB
            """);
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("minFree 1000 TB", result.Message);
        Assert.Contains(Path.Combine(_daemon.Directory, "data"), result.Message);
    }

    [Fact]
    public async Task Fails_when_the_image_is_absent_and_pull_is_off_and_when_the_pull_fails()
    {
        var absent = await RunSingleAsync($"""
              - name: docker
                kind: docker
                host: {_daemon.Host}
                image: deployops-missing:3
                minFree: 1MB
            """);
        Assert.Equal(CheckStatus.Failed, absent.Status);
        Assert.Contains("deployops-missing:3 is not present locally", absent.Message);
        Assert.Equal(ErrorIds.DockerImageNotFound, absent.Data["errorId"]);

        using var registry = new LocalRegistryFixture();
        var unpullable = await RunSingleAsync($"""
              - name: docker
                kind: docker
                host: {_daemon.Host}
                image: {registry.Address}/deployops/missing:3
                pull: true
                minFree: 1MB
            """);
        Assert.Equal(CheckStatus.Failed, unpullable.Status);
        Assert.Contains("the pull failed", unpullable.Message);
        Assert.Equal(ErrorIds.DockerImageNotFound, unpullable.Data["errorId"]);
    }

    [Fact]
    public async Task Pull_true_pulls_an_image_that_is_only_in_the_registry()
    {
        using var registry = new LocalRegistryFixture();
        using var client = _daemon.Client();
        var remote = $"{registry.Address}/deployops/check:1";
        await client.TagImageAsync(DockerDaemonFixture.TestImage("1"), $"{registry.Address}/deployops/check", "1", CancellationToken.None);
        await client.PushImageAsync(remote, null, CancellationToken.None);
        await client.RemoveImageAsync(remote, force: false, CancellationToken.None);

        var result = await RunSingleAsync($"""
              - name: docker
                kind: docker
                host: {_daemon.Host}
                image: {remote}
                pull: true
                minFree: 1MB
            """);
        Assert.True(result.Status == CheckStatus.Passed, result.Message);
        Assert.Equal(true, result.Data["imagePulled"]);
        Assert.NotNull(await client.TryInspectImageAsync(remote, CancellationToken.None));
        await client.RemoveImageAsync(remote, force: false, CancellationToken.None);
    }

    [Fact]
    public async Task Fails_with_the_how_to_message_when_no_daemon_listens()
    {
        var socket = $"/tmp/deployops-nodaemon-{Guid.NewGuid():N}.sock";
        var result = await RunSingleAsync($"""
              - name: docker
                kind: docker
                host: unix://{socket}
            """);
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal(ErrorIds.DockerUnreachable, result.Data["errorId"]);
        Assert.Contains(socket, result.Message);
        Assert.Contains("host: key", result.Message);
        Assert.DoesNotContain("DOCKER_HOST", result.Message);
    }

    [Fact]
    public void A_remote_host_is_a_configuration_error_naming_the_key()
    {
        using var cfg = new TempConfig("""
            application: shop
            environment: test
            checks:
              - name: docker
                kind: docker
                host: tcp://10.1.2.3:2375
                pull: true
            """);
        var ex = Assert.Throws<ConfigValidationException>(() => ConfigLoader.Load(cfg.Path));
        Assert.Contains(ex.Errors, e => e.Path.EndsWith("host") && e.Message.Contains("loopback"));
        Assert.Contains(ex.Errors, e => e.Path.EndsWith("pull") && e.Message.Contains("needs an image"));
    }
}
