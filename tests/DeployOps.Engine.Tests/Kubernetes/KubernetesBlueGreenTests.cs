using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Kubernetes;

/// <summary>Blue-green on Kubernetes against the fake API server: the new colour rolled out, the Service selector switched, the old colour scaled down after the soak.</summary>
public sealed class KubernetesBlueGreenTests
{
    private const string BlueGreen = """
  strategy: blueGreen
  kubernetes:
    target: cluster
    service: "{app}"
    deployment: "{app}-{slot}"
    image: registry.local/shop:{version}
    rolloutTimeout: 2m
    scaleDownAfter: 10m
""";

    [Fact(Timeout = 60_000)]
    public async Task The_new_colour_rolls_out_then_the_selector_switches_and_the_old_colour_is_scaled_down_after_the_soak()
    {
        await using var stage = await KubernetesStage.StartAsync(BlueGreen);
        var clock = new ManualClock();
        var sink = new RecordingSink();
        var deploying = DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0", Clock = clock }, sink, CancellationToken.None);
        // The soak waits on the clock: nothing is scaled down until it has passed.
        while (!sink.Verbose.Any(v => v.Contains("soaking 10m", StringComparison.Ordinal)) || clock.Waiting == 0)
        {
            Assert.False(deploying.IsCompleted, string.Join("\n", sink.Errors.Select(e => e.Message)));
            await Task.Delay(20);
        }
        Assert.Equal("green", stage.Selector());
        Assert.Equal(2, stage.Replicas("shop-blue"));
        clock.Advance(TimeSpan.FromMinutes(10));
        var record = await deploying;

        Assert.NotNull(record);
        Assert.Equal(DeploymentOutcome.Succeeded, record.Outcome);
        Assert.Equal(new[] { "rollout:green", "verify:green", "traffic:green", "scale-down:blue" }, record.Phases.Select(p => p.Name));
        Assert.Equal("green", record.Fields[DeploymentField.ActiveSlot]);
        Assert.Equal("registry.local/shop:2.0", stage.Image("shop-green"));
        Assert.Equal(2, stage.Replicas("shop-green"));   // as many as the live colour had
        Assert.Equal(0, stage.Replicas("shop-blue"));
        Assert.Equal("2", record.Fields["k8sReplicas@blue"]);
        Assert.Equal(new[] { "PUT /apis/apps/v1/namespaces/prod/deployments/shop-green", "PUT /api/v1/namespaces/prod/services/shop", "PUT /apis/apps/v1/namespaces/prod/deployments/shop-blue" },
            stage.Requests("PUT"));
        Assert.Empty(sink.Errors);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_rollout_that_never_becomes_ready_fails_on_its_progress_deadline_and_leaves_traffic_and_nothing_running()
    {
        await using var stage = await KubernetesStage.StartAsync(BlueGreen);
        var sink = new RecordingSink();
        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0-broken" }, sink, CancellationToken.None);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.KubernetesRolloutFailed, error.ErrorId);
        Assert.Contains("ProgressDeadlineExceeded", error.Message + record.Error, StringComparison.Ordinal);
        Assert.Contains("shop-green", error.Message);
        Assert.Equal("blue", stage.Selector());                // no request ever reached the broken colour
        Assert.Equal(0, stage.Replicas("shop-green"));          // and none of it is left running
        Assert.Equal(2, stage.Replicas("shop-blue"));
        Assert.DoesNotContain(stage.Requests("PUT"), r => r.Contains("/services/", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Conflicts_are_retried_with_a_fresh_read_and_WhatIf_plans_without_writing()
    {
        await using var stage = await KubernetesStage.StartAsync(BlueGreen.Replace("    scaleDownAfter: 10m", "", StringComparison.Ordinal));
        var whatIf = RecordingSink.WhatIf();
        Assert.Null(await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0" }, whatIf, CancellationToken.None));
        var plan = whatIf.RecordsOf<DeploymentPlanItem>().ToList();
        Assert.Equal(new[] { "rollout:green", "verify:green", "traffic:green" }, plan.Select(p => p.Phase));
        Assert.Contains("selector version=green", plan[2].Action, StringComparison.Ordinal);
        Assert.True(plan[2].MovesTraffic);
        Assert.Empty(stage.Requests("PUT"));
        var wrongStrategy = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.InvokeAsync(stage.Load(),
            new DeploymentOptions { Version = "2.0", Strategy = DeploymentStrategy.Rolling }, RecordingSink.WhatIf(), CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotConfigured, wrongStrategy.ErrorId);
        Assert.Contains("rolling needs one Deployment", wrongStrategy.Message, StringComparison.Ordinal);

        stage.Cluster.ConflictsToInject = 2; // someone writes shop-green twice between our read and our write
        var sink = new RecordingSink();
        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0" }, sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, record!.Outcome);
        Assert.Equal(3, stage.Requests("PUT").Count(r => r.EndsWith("/deployments/shop-green", StringComparison.Ordinal)));
        Assert.Equal("registry.local/shop:2.0", stage.Image("shop-green"));
        Assert.Equal("green", stage.Selector());
        Assert.Equal(2, stage.Replicas("shop-blue"));           // no scaleDownAfter: the old colour keeps running

        stage.Cluster.ConflictsToInject = 100;
        sink = new RecordingSink();
        record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "3.0" }, sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        Assert.Equal(ErrorIds.KubernetesConflict, sink.Errors.First().ErrorId);
        Assert.Equal("green", stage.Selector());
    }

    [Fact(Timeout = 60_000)]
    public async Task Declining_the_selector_switch_stops_resumably_and_Resume_verifies_again_and_switches()
    {
        await using var stage = await KubernetesStage.StartAsync(BlueGreen.Replace("10m", "0s", StringComparison.Ordinal));
        // -Confirm answered yes to the deployment and no to switching the Service.
        var sink = new RecordingSink((target, _) => !target.EndsWith("/service/shop", StringComparison.Ordinal));
        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0" }, sink, CancellationToken.None);

        Assert.Equal(DeploymentOutcome.Interrupted, record!.Outcome);
        Assert.Equal("verify:green", record.LastCompletedPhase);
        Assert.Equal("green", record.Fields["targetSlot"]);
        Assert.Equal("blue", stage.Selector());
        Assert.Equal("registry.local/shop:2.0", stage.Image("shop-green"));

        var resumeSink = new RecordingSink();
        var resumed = await DeploymentEngine.ResumeAsync(stage.Load(), new ResumeDeploymentOptions(), resumeSink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, resumed!.Outcome);
        Assert.Equal("green", stage.Selector());
        Assert.Equal(0, stage.Replicas("shop-blue"));
        // The rollout is not repeated (one PUT of shop-green); its verification is, right before traffic moves.
        Assert.Single(stage.Requests("PUT"), r => r.EndsWith("/deployments/shop-green", StringComparison.Ordinal));
        Assert.Contains(resumeSink.Progress, p => p.Status.StartsWith("verify:green:", StringComparison.Ordinal));
        Assert.DoesNotContain(resumeSink.Progress, p => p.Status.StartsWith("rollout:green:", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Rollback_scales_the_old_colour_up_again_switches_the_selector_back_and_scales_the_new_one_down()
    {
        await using var stage = await KubernetesStage.StartAsync(BlueGreen.Replace("10m", "0s", StringComparison.Ordinal));
        foreach (var version in new[] { "1.1", "2.0" }) // 1.1 to green, then 2.0 to blue
        {
            var deployed = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = version }, new RecordingSink(), CancellationToken.None);
            Assert.Equal(DeploymentOutcome.Succeeded, deployed!.Outcome);
        }
        Assert.Equal("blue", stage.Selector());
        Assert.Equal(0, stage.Replicas("shop-green"));

        var sink = new RecordingSink();
        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "errors" }, sink, CancellationToken.None);
        Assert.Equal(RollbackStatus.Succeeded, result!.Status);
        Assert.Equal("1.1", result.ToVersion);
        Assert.Equal("green", stage.Selector());
        Assert.Equal(2, stage.Replicas("shop-green"));          // the replicas journaled when it was scaled down
        Assert.Equal("registry.local/shop:1.1", stage.Image("shop-green"));
        Assert.Equal(0, stage.Replicas("shop-blue"));
        Assert.Empty(sink.Errors);
    }
}
