using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>
/// Invoke-Rollback's engine with containers on the real daemon behind real nginx: its message says whether traffic
/// went back to a slot whose container still ran the previous version, or a container was recreated from the image
/// history recorded for it.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerRollbackTests
{
    private readonly DockerDaemonFixture _daemon;

    public ContainerRollbackTests(DockerDaemonFixture daemon) => _daemon = daemon;

    private static void Succeeded(DeploymentRecord? record, RecordingSink sink)
    {
        Assert.NotNull(record);
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error + string.Join("\n", sink.Errors.Select(e => e.Message)));
    }

    [Fact(Timeout = 300_000)]
    public async Task A_blue_green_rollback_says_it_switched_back_to_the_still_running_container()
    {
        using var stage = new ContainerStage(_daemon);
        var sink = new RecordingSink();
        Succeeded(await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink), sink);
        Succeeded(await stage.DeployAsync("2", DeploymentStrategy.BlueGreen, sink), sink);
        var before = (await stage.Client.InspectContainerAsync(stage.ContainerName("green"), CancellationToken.None)).ID;

        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "test" }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message);
        Assert.Contains("switched traffic back to green, whose container was still running 1; no container was recreated", result.Message);
        Assert.Equal(before, (await stage.Client.InspectContainerAsync(stage.ContainerName("green"), CancellationToken.None)).ID);
        Assert.Equal("green", stage.ActiveSlot());
    }

    [Fact(Timeout = 300_000)]
    public async Task A_hotfix_rollback_says_it_recreated_the_container_from_the_recorded_image()
    {
        using var stage = new ContainerStage(_daemon, instances: 1);
        var sink = new RecordingSink();
        var first = await stage.DeployAsync("1", DeploymentStrategy.Hotfix, sink);
        Succeeded(first, sink);
        Succeeded(await stage.DeployAsync("2", DeploymentStrategy.Hotfix, sink), sink);
        const string target = "web1";

        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "test" }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message);
        Assert.Contains($"recreated the container of {target} from the image 1 recorded ({first!.Fields[DeploymentField.ImageId]})", result.Message);
        Assert.Equal(first.Fields[DeploymentField.ImageId], (await stage.Client.InspectContainerAsync(stage.ContainerName(target), CancellationToken.None)).Image);
    }
}
