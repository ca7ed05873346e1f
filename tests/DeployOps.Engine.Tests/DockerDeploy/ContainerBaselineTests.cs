using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>Invoke-Deployment -RecordOnly over containers an operator started by hand: the image id they run is the baseline.</summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerBaselineTests
{
    private readonly DockerDaemonFixture _daemon;

    public ContainerBaselineTests(DockerDaemonFixture daemon) => _daemon = daemon;

    private static Task<DeploymentRecord?> RecordAsync(ContainerStage stage, string version, DeploymentStrategy strategy, RecordingSink sink) =>
        DeploymentBaseline.RecordAsync(stage.Load(), new DeploymentOptions { Version = version, Strategy = strategy }, sink, CancellationToken.None);

    [Fact]
    public async Task The_first_deployment_after_a_baseline_rolls_back_to_the_image_id_that_ran_even_after_its_tag_moved()
    {
        using var stage = new ContainerStage(_daemon, instances: 2);
        foreach (var instance in stage.Instances) await stage.StartByHandAsync(instance, "1");
        var image1 = stage.ImageId($"{stage.Repository}:1");
        var sink = new RecordingSink();

        var baseline = await RecordAsync(stage, "1", DeploymentStrategy.Hotfix, sink);

        Assert.NotNull(baseline);
        Assert.True(baseline!.IsBaseline);
        Assert.Equal(DeploymentOutcome.Succeeded, baseline.Outcome);
        Assert.Equal(image1, baseline.Fields[DeploymentField.ImageId]);
        Assert.Equal($"{stage.Repository}:1", baseline.Fields[DeploymentField.ImageReference]);
        // Nothing was replaced: the hand-started containers still run, without DeployOps' deployment label.
        var web1 = await stage.Client.InspectContainerAsync(stage.ContainerName("web1"), CancellationToken.None);
        Assert.False(web1.Config!.Labels!.ContainsKey("deployops.deployment"));

        var release = await stage.DeployAsync("2", DeploymentStrategy.Hotfix, sink);
        Assert.True(release!.Outcome == DeploymentOutcome.Succeeded, release.Error);
        Assert.Equal("1", release.PreviousVersion);
        // Someone moves the tag: repository:1 now names version 2's image. The rollback must not follow it.
        await stage.Client.TagImageAsync($"{stage.Repository}:2", stage.Repository, "1", CancellationToken.None);

        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "baseline test" }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(release.Id, result.DeploymentId);
        foreach (var instance in stage.Instances)
            Assert.Equal(image1, (await stage.Client.InspectContainerAsync(stage.ContainerName(instance.Name), CancellationToken.None)).Image);
        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1") == 20, NginxStage.Show(counts));
    }

    [Fact]
    public async Task Instances_running_different_images_or_no_container_are_BaselineUnreadable_and_nothing_is_recorded()
    {
        using var stage = new ContainerStage(_daemon, instances: 2);
        await stage.StartByHandAsync(stage.Instances[0], "1");
        await stage.StartByHandAsync(stage.Instances[1], "2");

        var mixed = await Assert.ThrowsAsync<DeployOpsException>(() => RecordAsync(stage, "1", DeploymentStrategy.Rolling, new RecordingSink()));

        Assert.Equal(ErrorIds.BaselineUnreadable, mixed.ErrorId);
        Assert.Contains("different images", mixed.Message);
        Assert.Contains(stage.ContainerName("web2"), mixed.Message);

        await stage.Client.RemoveContainerAsync(stage.ContainerName("web2"), force: true, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<DeployOpsException>(() => RecordAsync(stage, "1", DeploymentStrategy.Rolling, new RecordingSink()));
        Assert.Equal(ErrorIds.BaselineUnreadable, missing.ErrorId);
        Assert.Contains($"has no container {stage.ContainerName("web2")}", missing.Message);

        await using var store = DeploymentStore.Open(stage.Load());
        Assert.Empty(await store.ListAsync(new HistoryQuery(), CancellationToken.None));
    }
}
