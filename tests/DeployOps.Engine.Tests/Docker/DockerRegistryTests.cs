using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>Push to and pull from a real registry on loopback.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerRegistryTests : IDisposable
{
    private readonly LocalRegistryFixture _registry = new();
    private readonly DockerClient _client;

    public DockerRegistryTests(DockerDaemonFixture daemon) => _client = daemon.Client();

    public void Dispose()
    {
        _client.Dispose();
        _registry.Dispose();
    }

    [Fact]
    public async Task An_image_pushed_to_the_registry_and_removed_locally_is_pulled_back_with_its_digest()
    {
        var ct = CancellationToken.None;
        var remote = $"{_registry.Address}/deployops/app:7";
        var local = await _client.InspectImageAsync(DockerDaemonFixture.TestImage("2"), ct);
        await _client.TagImageAsync(local.ID, $"{_registry.Address}/deployops/app", "7", ct);
        var pushed = await _client.PushImageAsync(remote, null, ct);
        Assert.StartsWith("sha256:", pushed);
        await _client.RemoveImageAsync(remote, force: false, ct);
        Assert.Null(await _client.TryInspectImageAsync(remote, ct));

        var progress = new List<global::Docker.DotNet.Models.JSONMessage>();
        var pulled = await _client.PullImageAsync(remote, progress.Add, ct);

        Assert.Equal(pushed, pulled.Digest);
        Assert.NotEmpty(progress);
        var inspected = await _client.InspectImageAsync(remote, ct);
        Assert.Equal(local.ID, inspected.ID);
        Assert.Contains($"{_registry.Address}/deployops/app@{pushed}", inspected.RepoDigests);
        await _client.RemoveImageAsync(remote, force: false, ct);
    }

    [Fact]
    public async Task Pulling_a_tag_the_registry_does_not_have_is_DockerImageNotFound()
    {
        var ex = await Assert.ThrowsAnyAsync<DeployOpsException>(() =>
            _client.PullImageAsync($"{_registry.Address}/deployops/absent:1", null, CancellationToken.None));
        Assert.Equal(ErrorIds.DockerImageNotFound, ex.ErrorId);
        Assert.Contains("deployops/absent", ex.Message);
    }
}
