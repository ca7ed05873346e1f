using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>Hotfix (in place, smoke only, hooks for maintenance) and rolling (batches out of nginx, deployed, back in).</summary>
public sealed class HotfixAndRollingTests
{
    private sealed class RecordingHooks : IDeploymentHooks
    {
        public List<string> Calls { get; } = new();

        public Task BeforeDeployAsync(DeploymentHookContext context, CancellationToken cancellationToken)
        {
            Calls.Add($"before maintenance={context.Maintenance} noBackup={context.NoBackup} version={context.Version}");
            return context.AnnotateAsync(DeploymentField.BackupId, "backup-42", cancellationToken);
        }

        public Task AfterDeployAsync(DeploymentHookContext context, CancellationToken cancellationToken)
        {
            Calls.Add($"after succeeded={context.Succeeded}");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Hotfix_replaces_the_live_slot_in_place_runs_the_hooks_and_is_recorded()
    {
        using var stage = new DeploymentStage(extraDeployment: "hotfix:\n  maintenance: true");
        var hooks = new RecordingHooks();
        var sink = new RecordingSink();

        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions
        {
            Version = "1.0.1", Strategy = DeploymentStrategy.Hotfix, Hooks = hooks, NoBackup = true,
        }, sink, CancellationToken.None);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal("Hotfix", record.Strategy);
        Assert.Equal(new[] { "before-deploy", "hotfix:blue", "smoke:blue", "after-deploy", "router-check" }, record.Phases.Select(p => p.Name));
        Assert.Equal(new[] { "before maintenance=True noBackup=True version=1.0.1", "after succeeded=True" }, hooks.Calls);
        Assert.Equal("backup-42", record.BackupId);
        Assert.Equal("blue", stage.ActiveSlot());
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("1.0.1"));
        Assert.False(File.Exists(Path.Combine(stage.Directory, "green.pid")));

        // A hotfix whose smoke test fails still leaves maintenance (AfterDeploy with Succeeded=false).
        hooks.Calls.Clear();
        var failed = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions
        {
            Version = "1.0.2-faulty", Strategy = DeploymentStrategy.Hotfix, Hooks = hooks,
        }, sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Failed, failed!.Outcome);
        Assert.Equal("after succeeded=False", hooks.Calls.Last());
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.SmokeTestFailed);
    }

    [Fact]
    public async Task Rolling_takes_each_batch_out_deploys_verifies_and_puts_it_back_without_failed_requests()
    {
        using var stage = new DeploymentStage(instances: 3);
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling);

        await load.DisposeAsync();
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "batch1:out", "batch1:deploy", "batch1:in", "batch2:out", "batch2:deploy", "batch2:in", "batch3:out", "batch3:deploy", "batch3:in" },
            record.Phases.Select(p => p.Name));
        var counts = await stage.Proxy.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 30, NginxStage.Show(counts));
        Assert.True(load.Failures.IsEmpty, load.Summary());
        Assert.True(load.Versions.ContainsKey("1.0.0") && load.Versions.ContainsKey("2.0.0"), load.Summary());
    }

    [Fact]
    public async Task Rolling_stops_when_failures_exceed_the_budget_and_keeps_the_failed_instance_out()
    {
        using var stage = new DeploymentStage(instances: 3, extraDeployment: "rolling:\n  maxUnavailable: 34%\n  maxFailPercent: 0%");
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0-faulty", DeploymentStrategy.Rolling, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.RollingFailureBudgetExceeded, error.ErrorId);
        Assert.Contains("1 of 3 instance(s) failed", error.Message);
        Assert.Contains("'api answers'", error.Message);
        Assert.Equal("batch1:deploy", record.Phases.Last().Name);
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        Assert.Contains($"127.0.0.1:{stage.Instances[0].Port} down", upstream);
        Assert.Contains($"127.0.0.1:{stage.Instances[1].Port} weight=1", upstream);
        Assert.True(await stage.Proxy.SettlesOnAsync("1.0.0", 20));
    }
}
