using DeployOps.Engine.Audit;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Strategies.Docker;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.DockerDeploy;

/// <summary>Every strategy with containers on a real daemon behind real nginx; image history by id.</summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerDeploymentTests
{
    private readonly DockerDaemonFixture _daemon;

    public ContainerDeploymentTests(DockerDaemonFixture daemon) => _daemon = daemon;

    private static void Succeeded(DeploymentRecord? record, RecordingSink sink)
    {
        Assert.NotNull(record);
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error + string.Join("\n", sink.Errors.Select(e => e.Message)));
    }

    [Fact]
    public async Task Blue_green_starts_the_new_image_in_the_idle_slot_moves_traffic_and_keeps_the_old_container()
    {
        using var stage = new ContainerStage(_daemon);
        var sink = new RecordingSink();
        Succeeded(await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink), sink);
        Assert.Equal("green", stage.ActiveSlot());

        var record = await stage.DeployAsync("2", DeploymentStrategy.BlueGreen, sink);

        Succeeded(record, sink);
        Assert.Equal(new[] { "deploy:blue", "verify:blue", "traffic:blue", "post-verify", "image-tags" }, record!.Phases.Select(p => p.Name));
        Assert.Equal("blue", stage.ActiveSlot());
        var counts = await stage.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("2") == 30, NginxStage.Show(counts));
        // The old container keeps running on green for an instant switch-back.
        Assert.Equal(5, (await ContainerStage.CountAsync(stage.Green!.BaseUrl + "/version", 5)).GetValueOrDefault("1"));

        var image2 = stage.ImageId($"{stage.Repository}:2");
        Assert.Equal(image2, record.Fields[DeploymentField.ImageId]);
        Assert.Equal($"{stage.Repository}:2", record.Fields[DeploymentField.ImageReference]);
        var blue = await stage.Client.InspectContainerAsync(stage.ContainerName("blue"), CancellationToken.None);
        Assert.Equal(image2, blue.Image);
        Assert.Equal("healthy", blue.HealthStatus());
        Assert.Equal("host", blue.HostConfig!.NetworkMode);
        Assert.Equal(64L * 1000 * 1000, blue.HostConfig.Memory);
        var labels = blue.Config!.Labels!;
        Assert.Equal(stage.Application, labels["deployops.app"]);
        Assert.Equal("blue", labels["deployops.slot"]);
        Assert.Equal("2", labels["deployops.version"]);
        Assert.Equal(record.Id, labels["deployops.deployment"]);
        Assert.Equal("checkout", labels["team"]);
        Assert.Contains($"PORT={stage.Blue!.Port}", blue.Config.Env!);

        // Operators' tags: current is what runs, previous what it replaced.
        Assert.Equal(image2, stage.ImageId($"{stage.Repository}:current"));
        Assert.Equal(stage.ImageId($"{stage.Repository}:1"), stage.ImageId($"{stage.Repository}:previous"));
        Assert.Contains(AuditLog.For(stage.Load()).ReadAll(), a => a.DeploymentId == record.Id && a.Action.StartsWith("Start container " + stage.ContainerName("blue"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_previous_version_is_redeployed_by_its_recorded_image_id_after_its_tag_moved()
    {
        using var stage = new ContainerStage(_daemon, extraDocker: "imageBackup: true");
        var sink = new RecordingSink();
        var first = await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink);
        Succeeded(first, sink);
        var image1 = first!.Fields[DeploymentField.ImageId];
        Succeeded(await stage.DeployAsync("2", DeploymentStrategy.BlueGreen, sink), sink);
        // imageBackup saved the image that was live (version 1) before version 2 replaced anything.
        var backup = DockerDeployments.FindBackup(stage.Load(), image1);
        Assert.NotNull(backup);
        Assert.True(new FileInfo(backup!).Length > 100_000);

        // Someone moves the tag: repository:1 now points at version 2's image.
        await stage.Client.TagImageAsync($"{stage.Repository}:2", stage.Repository, "1", CancellationToken.None);
        Assert.NotEqual(image1, stage.ImageId($"{stage.Repository}:1"));

        var resolved = await DockerDeployments.ResolveImageForVersionAsync(stage.Load(), "1", CancellationToken.None);
        Assert.Equal(ContainerImageSource.History, resolved.Source);
        Assert.Equal(image1, resolved.ImageId);
        Assert.Equal(first.Id, resolved.DeploymentId);

        var rollback = await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink);

        Succeeded(rollback, sink);
        Assert.Equal(image1, rollback!.Fields[DeploymentField.ImageId]);
        Assert.Equal("green", stage.ActiveSlot());
        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1") == 20, NginxStage.Show(counts));
        Assert.Equal(image1, (await stage.Client.InspectContainerAsync(stage.ContainerName("green"), CancellationToken.None)).Image);
        Assert.Equal(image1, stage.ImageId($"{stage.Repository}:current"));
    }

    [Fact]
    public async Task An_unhealthy_container_stops_the_deployment_with_traffic_on_the_old_container()
    {
        using var stage = new ContainerStage(_daemon);
        var sink = new RecordingSink();
        Succeeded(await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink), sink);
        _daemon.ImportTestImage("3-broken", stage.Repository);
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        sink = new RecordingSink();

        var record = await stage.DeployAsync("3-broken", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.ContainerUnhealthy, error.ErrorId);
        Assert.Contains($"Container {stage.ContainerName("blue")} on blue (3-broken) is unhealthy", error.Message);
        Assert.Equal(PhaseStatus.Failed, record.Phases.Single(p => p.Name == "deploy:blue").Status);
        Assert.DoesNotContain(record.Phases, p => p.Name.StartsWith("traffic", StringComparison.Ordinal));
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
        var counts = await stage.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1") == 20, NginxStage.Show(counts));
        Assert.Equal(stage.ImageId($"{stage.Repository}:1"), stage.ImageId($"{stage.Repository}:current"));
    }

    [Fact]
    public async Task A_container_that_exits_at_once_is_ContainerExited_with_exit_code_and_stderr_and_its_restart_loop_is_stopped()
    {
        // unless-stopped (the default) would restart it for ever: the deployment must see the crash loop, not "running".
        using var stage = new ContainerStage(_daemon, restart: "unless-stopped",
            extraDocker: "command: [\"/bin/sh\", \"-c\", \"echo starting; echo cannot-open-database >&2; exit 3\"]");
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.ContainerExited, error.ErrorId);
        Assert.Contains($"Container {stage.ContainerName("green")} on green (2) exited with exit code 3", error.Message);
        Assert.Contains("  | cannot-open-database", error.Message);
        Assert.Contains("  | starting", error.Message);
        Assert.True(error.Message.Contains("restart policy set to no", StringComparison.Ordinal), error.Message);
        var container = await stage.Client.InspectContainerAsync(stage.ContainerName("green"), CancellationToken.None);
        Assert.False(container.State!.Running);
        Assert.False(container.State.Restarting);
        Assert.Equal(3, container.State.ExitCode);
        Assert.Equal(global::Docker.DotNet.Models.RestartPolicyKind.No, container.HostConfig!.RestartPolicy!.Name);
        Assert.DoesNotContain(record.Phases, p => p.Name.StartsWith("traffic", StringComparison.Ordinal));
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
    }

    [Fact]
    public async Task A_missing_image_fails_before_anything_changes_with_a_clear_error()
    {
        using var stage = new ContainerStage(_daemon);
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("99", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DockerImageNotFound, error.ErrorId);
        Assert.Contains($"Image {stage.Repository}:99 for version 99 is not present on the daemon", error.Message);
        Assert.Contains("pull is never", error.Message);
        Assert.Null(await stage.Client.TryInspectContainerAsync(stage.ContainerName("green"), CancellationToken.None));
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
    }

    [Fact]
    public async Task Rolling_replaces_containers_batch_by_batch_and_hotfix_replaces_them_in_place()
    {
        using var stage = new ContainerStage(_daemon, instances: 3);
        foreach (var instance in stage.Instances) await stage.StartByHandAsync(instance, "1");
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2", DeploymentStrategy.Rolling, sink);

        Succeeded(record, sink);
        Assert.Equal(new[] { "batch1:out", "batch1:deploy", "batch1:in", "batch2:out", "batch2:deploy", "batch2:in", "batch3:out", "batch3:deploy", "batch3:in", "image-tags" },
            record!.Phases.Select(p => p.Name));
        var counts = await stage.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("2") == 30, NginxStage.Show(counts));
        foreach (var instance in stage.Instances)
        {
            var container = await stage.Client.InspectContainerAsync(stage.ContainerName(instance.Name), CancellationToken.None);
            Assert.Equal(instance.Name, container.Config!.Labels!["deployops.instance"]);
            Assert.Equal(record.Id, container.Config.Labels["deployops.deployment"]);
        }

        var hotfix = await stage.DeployAsync("1", DeploymentStrategy.Hotfix, sink);
        Succeeded(hotfix, sink);
        Assert.Equal(new[] { "hotfix:web1", "smoke:web1", "hotfix:web2", "smoke:web2", "hotfix:web3", "smoke:web3", "image-tags", "router-check" },
            hotfix!.Phases.Select(p => p.Name));
        Assert.Equal(30, (await stage.CountVersionsAsync(30)).GetValueOrDefault("1"));
    }

    [Fact]
    public async Task Canary_runs_the_new_image_in_the_canary_slot_with_a_weight_then_takes_all_traffic()
    {
        using var stage = new ContainerStage(_daemon);
        var sink = new RecordingSink();
        Succeeded(await stage.DeployAsync("1", DeploymentStrategy.BlueGreen, sink), sink);
        var gate = new WeightObservingGate(stage);

        var record = await stage.DeployAsync("2", DeploymentStrategy.Canary, sink, gate);

        Succeeded(record, sink);
        Assert.Equal(new[] { "deploy:blue", "verify:blue", "canary:50%", "gate:50%", "canary:100%", "post-verify", "image-tags" },
            record!.Phases.Select(p => p.Name));
        // During the 50% step both containers answered through nginx.
        Assert.True(gate.Seen.GetValueOrDefault("1") > 0 && gate.Seen.GetValueOrDefault("2") > 0, NginxStage.Show(gate.Seen));
        Assert.Equal(20, (await stage.CountVersionsAsync(20)).GetValueOrDefault("2"));
    }

    /// <summary>Passes the gate after counting which versions answer through nginx at the canary weight.</summary>
    private sealed class WeightObservingGate : ICanaryGate
    {
        private readonly ContainerStage _stage;
        public WeightObservingGate(ContainerStage stage) => _stage = stage;
        public Dictionary<string, int> Seen { get; private set; } = new();

        public async Task<CanaryGateResult> EvaluateAsync(CanaryGateContext context, CancellationToken cancellationToken)
        {
            Seen = await _stage.CountVersionsAsync(40);
            return new CanaryGateResult(CanaryVerdict.Pass, "observed " + NginxStage.Show(Seen));
        }
    }
}

/// <summary>No daemon where the configuration points: the deployment stops in the deploy phase, nothing else moves.</summary>
public sealed class ContainerDeploymentWithoutDaemonTests
{
    [Fact]
    public async Task Daemon_not_running_stops_the_deployment_with_DockerUnreachable_and_traffic_untouched()
    {
        var socket = $"/tmp/dops-none-{Guid.NewGuid():N}.sock";
        using var stage = new ContainerStage(null, host: "unix://" + socket);
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DockerUnreachable, error.ErrorId);
        Assert.Contains(socket, error.Message);
        // The address came from deployment.docker.host: the hint names that key, not DOCKER_HOST.
        Assert.Contains("host: key", error.Message);
        Assert.DoesNotContain("DOCKER_HOST", error.Message);
        Assert.Contains("deploy:green", error.Message);
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
    }
}
