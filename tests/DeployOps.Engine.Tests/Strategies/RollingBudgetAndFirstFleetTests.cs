using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Rolling through a real nginx and demo-app processes: the first fleet on an empty host, a failure budget that stops
/// before it would be exceeded, and <c>onFailure: rollback</c> (issue 13 §3).
/// </summary>
public sealed class RollingBudgetAndFirstFleetTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Rolling_onto_an_empty_host_brings_every_instance_up_then_puts_them_all_into_rotation()
    {
        using var stage = new DeploymentStage(instances: 3, startInstances: false);

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "fleet:deploy", "fleet:in" }, record.Phases.Select(p => p.Name));
        Assert.Equal("true", record.Fields[RollingPlan.FirstFleetField]);
        Assert.Equal("web1,web2,web3", record.Fields[RollingPlan.UpdatedInstancesField]);
        Assert.Matches(@"router check: 0 of \d+ request\(s\)", record.Phases.Last().Detail);
        var counts = await stage.Proxy.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 30, NginxStage.Show(counts));
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        foreach (var instance in stage.Instances) Assert.Contains($"127.0.0.1:{instance.Port} weight=1", upstream);

        // Once the fleet runs, the next deployment rolls batch by batch again.
        var next = await stage.DeployAsync("2.0.1", DeploymentStrategy.Rolling);
        Assert.True(next!.Outcome == DeploymentOutcome.Succeeded, next.Error);
        Assert.Equal("batch1:out", next.Phases.First().Name);
    }

    [Fact]
    public async Task A_budget_of_40_percent_over_3_instances_allows_one_failure_and_starts_no_further_instance()
    {
        using var stage = new DeploymentStage(instances: 3, extraDeployment: "rolling:\n  maxFailPercent: 40%");
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0-faulty", DeploymentStrategy.Rolling, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.RollingFailureBudgetExceeded, error.ErrorId);
        Assert.Contains("1 of 3 instance(s) failed (maxFailPercent 40% allows 1 of 3, used up with 2 instance(s) still to deploy)", error.Message);
        Assert.Equal("batch1:deploy", record.Phases.Last().Name);
        Assert.Equal("web1", record.Fields[RollingPlan.FailedInstancesField]);
        // web2 and web3 were never touched: two of three still serve the old version.
        foreach (var untouched in stage.Instances.Skip(1))
            Assert.Contains("\"1.0.0\"", await Http.GetStringAsync($"{untouched.BaseUrl}/version"));
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        Assert.Contains($"127.0.0.1:{stage.Instances[0].Port} down", upstream);
        Assert.Contains($"127.0.0.1:{stage.Instances[1].Port} weight=1", upstream);
        Assert.Contains($"127.0.0.1:{stage.Instances[2].Port} weight=1", upstream);
        Assert.True(await stage.Proxy.SettlesOnAsync("1.0.0", 20));
    }

    [Fact]
    public async Task OnFailure_rollback_puts_failed_and_updated_instances_back_on_the_previous_version_and_into_rotation()
    {
        using var stage = new DeploymentStage(instances: 3, extraDeployment: "rolling:\n  maxFailPercent: 34%\n  onFailure: rollback");
        var good = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling);
        Assert.True(good!.Outcome == DeploymentOutcome.Succeeded, good.Error);
        var sink = new RecordingSink();

        // web1 takes 3.0.0-faulty and fails (the budget of 1 is used up): web1 goes back to 2.0.0.
        var record = await stage.DeployAsync("3.0.0-faulty", DeploymentStrategy.Rolling, sink);

        Assert.Equal(DeploymentOutcome.RolledBack, record!.Outcome);
        Assert.Equal(ErrorIds.RollingFailureBudgetExceeded, Assert.Single(sink.Errors).ErrorId);
        Assert.Equal("web1", record.Fields[RollingPlan.RolledBackInstancesField]);
        Assert.Equal("", record.Fields[RollingPlan.FailedInstancesField]);
        Assert.Contains(sink.Warnings, w => w.StartsWith("Rolled back web1 to 2.0.0", StringComparison.Ordinal));
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        foreach (var instance in stage.Instances) Assert.Contains($"127.0.0.1:{instance.Port} weight=1", upstream);
        var counts = await stage.Proxy.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 30, NginxStage.Show(counts));
    }
}
