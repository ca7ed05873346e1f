using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Strategies.Docker;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>
/// deployment.docker.retention and Remove-DeploymentImage's engine against the real daemon: old images and image
/// backups go; the live image, the rollback target and any container's image never do. Each test imports images of
/// its own (ids no other repository shares), so a removal really deletes.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ImageRetentionTests
{
    private readonly DockerDaemonFixture _daemon;

    public ImageRetentionTests(DockerDaemonFixture daemon) => _daemon = daemon;

    private static void Succeeded(DeploymentRecord? record, RecordingSink sink)
    {
        Assert.NotNull(record);
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error + string.Join("\n", sink.Errors.Select(e => e.Message)));
    }

    private Dictionary<string, string> Import(ContainerStage stage, params string[] versions) =>
        versions.ToDictionary(v => v, v => _daemon.ImportTestImage(v, stage.Repository));

    [Fact(Timeout = 300_000)]
    public async Task After_a_deployment_retention_removes_what_is_beyond_the_last_versions_but_keeps_live_and_rollback_target()
    {
        using var stage = new ContainerStage(_daemon, extraDocker: "imageBackup: true\nretention: { keepVersions: 2 }");
        var ids = Import(stage, "3", "4", "5");
        var sink = new RecordingSink();
        Succeeded(await stage.DeployAsync("3", DeploymentStrategy.BlueGreen, sink), sink);
        Succeeded(await stage.DeployAsync("4", DeploymentStrategy.BlueGreen, sink), sink);
        var config = stage.Load();
        Assert.NotNull(DockerDeployments.FindBackup(config, ids["3"]));

        var last = await stage.DeployAsync("5", DeploymentStrategy.BlueGreen, sink);

        Succeeded(last, sink);
        // 3 is beyond the last 2 versions and no container runs it (5 replaced it on its slot): image and backup go.
        Assert.Null(await stage.Client.TryInspectImageAsync(ids["3"], CancellationToken.None));
        Assert.Null(DockerDeployments.FindBackup(config, ids["3"]));
        // 4 is the rollback target (running on the other slot, backed up); 5 is live.
        Assert.NotNull(await stage.Client.TryInspectImageAsync(ids["4"], CancellationToken.None));
        Assert.NotNull(DockerDeployments.FindBackup(config, ids["4"]));
        Assert.NotNull(await stage.Client.TryInspectImageAsync(ids["5"], CancellationToken.None));
        var phase = Assert.Single(last!.Phases, p => p.Name == DockerDeployments.OperatorTagsPhaseName);
        Assert.Contains("retention removed 2", phase.Detail);
        var audit = AuditLog.For(config).ReadAll();
        Assert.Contains(audit, a => a.Command == "Remove-DeploymentImage" && a.Action.StartsWith("Remove image " + ids["3"], StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Command == "Remove-DeploymentImage" && a.Action.StartsWith("Remove image backup", StringComparison.Ordinal));
    }

    [Fact(Timeout = 300_000)]
    public async Task Pruning_by_age_lists_under_WhatIf_removes_only_old_unused_images_and_never_the_live_or_rollback_images()
    {
        using var stage = new ContainerStage(_daemon, extraDocker: "retention: { maxAge: 1d, afterDeployment: false }");
        var ids = Import(stage, "3", "4", "stray");
        var sink = new RecordingSink();
        Succeeded(await stage.DeployAsync("3", DeploymentStrategy.BlueGreen, sink), sink);
        Succeeded(await stage.DeployAsync("4", DeploymentStrategy.BlueGreen, sink), sink);
        var config = stage.Load();
        Assert.NotNull(await stage.Client.TryInspectImageAsync(ids["stray"], CancellationToken.None));

        // Nothing is a day old yet.
        var now = new RecordingSink();
        Assert.Equal(0, await DockerDeployments.PruneImagesAsync(config, new ImagePruneOptions(), now, CancellationToken.None));
        Assert.Empty(now.Records);

        // Two days later (a fake clock): -WhatIf lists the stray image only and changes nothing.
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(2));
        var whatIf = new RecordingSink((_, _) => false) { IsDryRun = true };
        Assert.Equal(0, await DockerDeployments.PruneImagesAsync(config, new ImagePruneOptions { Clock = later }, whatIf, CancellationToken.None));
        // Listed: what no deployment recorded (stray, and the stage's copies of the fixture's 1 and 2), never 3 or 4.
        var shared = new[] { "1", "2" }.Select(v => stage.ImageId(DockerDaemonFixture.TestImage(v))).ToList();
        Assert.Equal(shared.Append(ids["stray"]).Order(), whatIf.RecordsOf<DeploymentImage>().Select(i => i.ImageId).Order());
        var listed = whatIf.RecordsOf<DeploymentImage>().Single(i => i.ImageId == ids["stray"]);
        Assert.False(listed.Removed);
        Assert.Null(listed.Version);
        Assert.Equal(new[] { $"{stage.Repository}:stray" }, listed.Tags);
        Assert.Equal(config.FilePath, listed.ConfigPath);
        Assert.Contains("recorded by no deployment, unused for 48h", listed.Reason);
        Assert.NotNull(await stage.Client.TryInspectImageAsync(ids["stray"], CancellationToken.None));

        var removed = new RecordingSink();
        Assert.Equal(3, await DockerDeployments.PruneImagesAsync(config, new ImagePruneOptions { Clock = later }, removed, CancellationToken.None));
        Assert.All(removed.RecordsOf<DeploymentImage>(), i => Assert.True(i.Removed));
        Assert.Null(await stage.Client.TryInspectImageAsync(ids["stray"], CancellationToken.None));
        // An id another repository also tags loses only this application's tag.
        Assert.Null(await stage.Client.TryInspectImageAsync($"{stage.Repository}:1", CancellationToken.None));
        Assert.Equal(shared[0], stage.ImageId(DockerDaemonFixture.TestImage("1")));
        // Even with -KeepVersions 1: 4 is live and 3 the rollback target, each also run by a container.
        Assert.Equal(0, await DockerDeployments.PruneImagesAsync(config, new ImagePruneOptions { Clock = later, KeepVersions = 1 }, new RecordingSink(),
            CancellationToken.None));
        Assert.NotNull(await stage.Client.TryInspectImageAsync(ids["3"], CancellationToken.None));
        Assert.NotNull(await stage.Client.TryInspectImageAsync(ids["4"], CancellationToken.None));
    }

    [Fact]
    public async Task Without_a_rule_it_fails_with_ImageRetentionNotConfigured_and_bad_retention_keys_are_reported()
    {
        using var stage = new ContainerStage(_daemon);
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() =>
            DockerDeployments.PruneImagesAsync(stage.Load(), new ImagePruneOptions(), new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.ImageRetentionNotConfigured, ex.ErrorId);
        Assert.Contains("-KeepVersions", ex.Message);

        using var bad = new ContainerStage(_daemon, extraDocker: "retention: { keepVersions: 0, maxAg: 1d }");
        var errors = string.Join("\n", ConfigLoader.Validate(bad.ConfigPath));
        Assert.Contains("deployment.docker.retention.keepVersions", errors);
        Assert.Contains("maxAg", errors);
    }
}
