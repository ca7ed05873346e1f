using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Docker;

[Collection(DockerCollection.Name)]
public sealed class DockerImageTests : IDisposable
{
    private readonly DockerDaemonFixture _daemon;
    private readonly DockerClient _client;
    private readonly string _scratch = ExternalProcess.TempDirectory("docker-img");

    public DockerImageTests(DockerDaemonFixture daemon)
    {
        _daemon = daemon;
        _client = daemon.Client();
    }

    public void Dispose()
    {
        _client.Dispose();
        Directory.Delete(_scratch, true);
    }

    [Fact]
    public async Task Ping_version_and_info_describe_the_daemon()
    {
        var api = await _client.PingAsync(CancellationToken.None);
        var version = await _client.VersionAsync(CancellationToken.None);
        var info = await _client.InfoAsync(CancellationToken.None);

        Assert.True(Version.Parse(api) >= DockerClient.MinimumApiVersion);
        Assert.Equal(api, version.APIVersion);
        Assert.False(string.IsNullOrEmpty(version.Version));
        Assert.Equal("vfs", info.Driver);
        Assert.Equal(Path.Combine(_daemon.Directory, "data"), info.DockerRootDir);
        Assert.Equal("1.41", _client.ApiVersion); // dockerd 20.10 speaks 1.41; newer daemons are capped at MaximumApiVersion
    }

    [Fact]
    public async Task Tag_inspect_save_remove_and_load_round_trip_keeps_the_image_id()
    {
        var ct = CancellationToken.None;
        var original = await _client.InspectImageAsync(DockerDaemonFixture.TestImage("1"), ct);

        await _client.TagImageAsync(original.ID, "deployops-roundtrip", "saved", ct);
        var tagged = await _client.InspectImageAsync("deployops-roundtrip:saved", ct);
        Assert.Equal(original.ID, tagged.ID);
        Assert.Contains("deployops-roundtrip:saved", tagged.Tags());
        var listed = await _client.ListImagesAsync("deployops-roundtrip", ct);
        Assert.Equal(original.ID, Assert.Single(listed).ID);

        var archive = Path.Combine(_scratch, "image.tar");
        var bytes = await _client.SaveImagesAsync(new[] { "deployops-roundtrip:saved" }, archive, ct);
        Assert.Equal(new FileInfo(archive).Length, bytes);
        Assert.True(bytes > 1_000_000, $"saved archive holds busybox, got {bytes} bytes");
        Assert.False(File.Exists(archive + ".partial"));

        var removed = await _client.RemoveImageAsync("deployops-roundtrip:saved", force: false, ct);
        Assert.Contains(removed, r => r.Untagged == "deployops-roundtrip:saved");
        Assert.Null(await _client.TryInspectImageAsync("deployops-roundtrip:saved", ct));

        var loaded = await _client.LoadImagesAsync(archive, ct);
        Assert.Contains("deployops-roundtrip:saved", loaded);
        Assert.Equal(original.ID, (await _client.InspectImageAsync("deployops-roundtrip:saved", ct)).ID);
        await _client.RemoveImageAsync("deployops-roundtrip:saved", force: false, ct);
    }

    [Fact]
    public async Task A_missing_image_is_DockerImageNotFound_with_the_daemons_message_and_status()
    {
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => _client.InspectImageAsync("deployops-missing:nope", CancellationToken.None));
        Assert.Equal(ErrorIds.DockerImageNotFound, ex.ErrorId);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("No such image", ex.DaemonMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("deployops-missing:nope", ex.Message);

        var tag = await Assert.ThrowsAsync<DockerApiException>(() => _client.TagImageAsync("deployops-missing:nope", "x", "y", CancellationToken.None));
        Assert.Equal(ErrorIds.DockerImageNotFound, tag.ErrorId);
        var save = await Assert.ThrowsAnyAsync<DeployOpsException>(() =>
            _client.SaveImagesAsync(new[] { "deployops-missing:nope" }, Path.Combine(_scratch, "x.tar"), CancellationToken.None));
        Assert.Equal(ErrorIds.DockerImageNotFound, save.ErrorId);
        Assert.False(File.Exists(Path.Combine(_scratch, "x.tar")));
    }

    [Fact]
    public async Task Loading_a_file_that_is_no_image_archive_fails_with_the_daemons_reason()
    {
        var junk = Path.Combine(_scratch, "junk.tar");
        await File.WriteAllTextAsync(junk, "this is not a tar archive");
        var ex = await Assert.ThrowsAnyAsync<DeployOpsException>(() => _client.LoadImagesAsync(junk, CancellationToken.None));
        Assert.Contains(junk, ex.Message);
    }

    [Fact]
    public async Task A_cancelled_call_throws_OperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.ListImagesAsync(null, cancelled.Token));
    }
}
