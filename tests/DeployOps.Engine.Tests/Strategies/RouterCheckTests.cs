using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Every strategy looks through the router after it changed something and records the failed requests it saw; a
/// hotfix to the only serving slot says what users get while it restarts.
/// </summary>
public sealed class RouterCheckTests
{
    private const string CleanCheck = @"^router check: 0 of 20 request\(s\) through http://127\.0\.0\.1:\d+/version failed$";

    [Fact]
    public async Task A_hotfix_under_load_ends_with_a_router_check_that_sees_nginx_serve_the_new_version()
    {
        using var stage = new DeploymentStage();
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("1.0.1", DeploymentStrategy.Hotfix, sink);

        await load.DisposeAsync();
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "hotfix:blue", "smoke:blue", "router-check" }, record.Phases.Select(p => p.Name));
        Assert.Matches(CleanCheck, record.Phases.Last().Detail);
        Assert.Contains(sink.Verbose, v => v.StartsWith("[router-check] router check: 0 of 20", StringComparison.Ordinal));
        Assert.Contains(sink.Warnings, w => w.Contains("blue is the only backend taking traffic and restarts without maintenance", StringComparison.Ordinal));
        var counts = await stage.Proxy.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1.0.1") == 20, NginxStage.Show(counts) + "; load: " + load.Summary());
    }

    [Fact]
    public async Task The_hotfix_plan_says_it_restarts_the_only_serving_slot_without_maintenance()
    {
        using var stage = new DeploymentStage();
        var sink = RecordingSink.WhatIf();

        await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "1.0.1", Strategy = DeploymentStrategy.Hotfix },
            sink, CancellationToken.None);

        var plan = sink.Records.OfType<DeploymentPlanItem>().ToList();
        var hotfix = plan.Single(p => p.Phase == "hotfix:blue");
        Assert.EndsWith("in place (no maintenance: requests fail while it restarts)", hotfix.Action);
        Assert.Contains(hotfix.Details, d => d.Contains("deployment.hotfix.maintenance: true with maintenance.nginx", StringComparison.Ordinal));
        Assert.Equal("router-check", plan.Last().Phase);
    }

    [Fact]
    public async Task Blue_green_waits_for_the_router_before_touching_the_idle_slot_and_checks_through_it_after_the_switch()
    {
        using var stage = new DeploymentStage();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Matches(CleanCheck, record.Phases.Single(p => p.Name == "post-verify").Detail);
        var next = RecordingSink.WhatIf();
        await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions { Version = "3.0.0", Strategy = DeploymentStrategy.BlueGreen },
            next, CancellationToken.None);
        var deploy = next.Records.OfType<DeploymentPlanItem>().Single(p => p.Phase == "deploy:blue");
        Assert.StartsWith("first: wait until the router sends nothing more to backends out of rotation", deploy.Details[0]);
    }

    [Fact]
    public async Task Rolling_checks_through_the_router_after_each_batch_is_back()
    {
        using var stage = new DeploymentStage(instances: 2);

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        foreach (var batchIn in record.Phases.Where(p => p.Name.EndsWith(":in", StringComparison.Ordinal)))
            Assert.Contains("; router check: 0 of 20 request(s) through", batchIn.Detail);
    }
}
