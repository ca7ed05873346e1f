using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Kubernetes;

/// <summary>Rolling on Kubernetes: the Deployment's image set, the rollout followed to the end, undone by ReplicaSet revision.</summary>
public sealed class KubernetesRollingTests
{
    private const string Rolling = """
  strategy: rolling
  kubernetes:
    target: cluster
    deployment: "{app}-web"
    container: app
    image: registry.local/shop:{version}
    rolloutTimeout: 2m
""";

    [Fact(Timeout = 60_000)]
    public async Task The_image_is_set_and_the_rollout_followed_and_rollback_undoes_to_the_journaled_revision()
    {
        await using var stage = await KubernetesStage.StartAsync(Rolling);
        Assert.Equal("1", stage.Revision("shop-web"));
        var first = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "1.1" }, new RecordingSink(), CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, first!.Outcome);
        Assert.Equal("2", stage.Revision("shop-web"));
        var sink = new RecordingSink();
        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0" }, sink, CancellationToken.None);

        Assert.Equal(DeploymentOutcome.Succeeded, record!.Outcome);
        Assert.Equal("rollout:shop-web", Assert.Single(record.Phases).Name);
        Assert.Equal("registry.local/shop:2.0", stage.Image("shop-web"));
        Assert.Equal("3", stage.Revision("shop-web"));
        Assert.Equal("2", record.Fields["k8sRevision@shop-web"]);
        Assert.Contains(sink.Progress, p => p.Status == "shop-web rolled out (3 of 3 replicas available)");

        var rollback = new RecordingSink();
        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "latency" }, rollback, CancellationToken.None);
        Assert.Equal(RollbackStatus.Succeeded, result!.Status);
        Assert.Equal("1.1", result.ToVersion);
        Assert.Equal("registry.local/shop:1.1", stage.Image("shop-web"));
        Assert.Equal("4", stage.Revision("shop-web"));           // revision 2's template, as the newest revision (as kubectl rollout undo)
        Assert.Contains(stage.Requests("GET"), r => r.StartsWith("GET /apis/apps/v1/namespaces/prod/replicasets?labelSelector=app%3Dshop-web", StringComparison.Ordinal));
        Assert.Empty(rollback.Errors);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_rollout_past_its_progress_deadline_is_undone_automatically()
    {
        await using var stage = await KubernetesStage.StartAsync(Rolling);
        var sink = new RecordingSink();
        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0-broken" }, sink, CancellationToken.None);

        Assert.Equal(DeploymentOutcome.RolledBack, record!.Outcome);
        Assert.Equal(ErrorIds.KubernetesRolloutFailed, Assert.Single(sink.Errors).ErrorId);
        Assert.Equal("registry.local/shop:1.0", stage.Image("shop-web"));
        Assert.Contains(sink.Warnings, w => w.Contains("back to revision 1", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_rollout_that_does_not_finish_times_out_on_the_clock_and_is_undone()
    {
        await using var stage = await KubernetesStage.StartAsync(Rolling);
        var clock = new ManualClock();
        var sink = new RecordingSink();
        var deploying = DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0-stuck", Clock = clock }, sink, CancellationToken.None);
        // The rollout waits on the watch stream with the timeout on the clock: only advancing the clock ends it.
        while (!stage.Requests("GET").Any(r => r.Contains("watch=true", StringComparison.Ordinal)) || clock.Waiting == 0)
        {
            Assert.False(deploying.IsCompleted);
            await Task.Delay(20);
        }
        // Whether a fast rollout needs the watch depends on timing; this one always does (it never completes).
        Assert.Contains(stage.Requests("GET"), r => r.StartsWith("GET /apis/apps/v1/namespaces/prod/deployments?fieldSelector=metadata.name%3Dshop-web", StringComparison.Ordinal) && r.Contains("watch=true", StringComparison.Ordinal));
        await Task.Delay(200);
        Assert.False(deploying.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(2));
        var record = await deploying;

        Assert.Equal(DeploymentOutcome.RolledBack, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.KubernetesRolloutTimedOut, error.ErrorId);
        Assert.Contains("did not complete within 2m", error.Message, StringComparison.Ordinal);
        Assert.Equal("registry.local/shop:1.0", stage.Image("shop-web"));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_untrusted_certificate_and_a_refused_token_are_clear_errors_naming_the_cluster()
    {
        await using var stage = await KubernetesStage.StartAsync(Rolling);
        using (var other = new Fixtures.TestCertificates("Some Other CA"))
            Fixtures.TestCertificates.WritePem(Path.Combine(stage.Temp.Directory, "ca.crt"), other.Ca);
        var sink = new RecordingSink();
        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "2.0" }, sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var tls = sink.Errors.First();
        Assert.Equal(ErrorIds.KubernetesTlsRejected, tls.ErrorId);
        Assert.Contains("cluster", tls.Message, StringComparison.Ordinal);
        Assert.Empty(stage.Requests("PUT"));

        await using var wrongToken = await KubernetesStage.StartAsync(Rolling, token: "not-the-token");
        sink = new RecordingSink();
        record = await DeploymentEngine.InvokeAsync(wrongToken.Load(), new DeploymentOptions { Version = "2.0" }, sink, CancellationToken.None);
        var denied = sink.Errors.First();
        Assert.Equal(ErrorIds.KubernetesAccessDenied, denied.ErrorId);
        Assert.Contains("401", denied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", sink.AllText(), StringComparison.Ordinal);

        // Nothing listening: unreachable, naming the server.
        var yaml = File.ReadAllText(wrongToken.Temp.Path).Replace(wrongToken.Server.Url, $"https://127.0.0.1:{Fixtures.FreePort.Next()}", StringComparison.Ordinal);
        File.WriteAllText(wrongToken.Temp.Path, yaml);
        sink = new RecordingSink();
        record = await DeploymentEngine.InvokeAsync(wrongToken.Load(), new DeploymentOptions { Version = "2.0" }, sink, CancellationToken.None);
        var unreachable = sink.Errors.First();
        Assert.Equal(ErrorIds.KubernetesUnreachable, unreachable.ErrorId);
        Assert.Contains("cannot reach the API server of cluster at https://127.0.0.1:", unreachable.Message, StringComparison.Ordinal);
    }
}
