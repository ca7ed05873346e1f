using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Resume-Deployment of a rolling rollout stopped by its failure budget (issue 17): real demo-app processes behind a
/// real nginx; an instance "fails" while a file named broken-&lt;instance&gt; exists (its smoke step), like a host that
/// is down until it returns. The multi-host variant over SSH is Pester FleetResume.Tests.ps1.
/// </summary>
public sealed class RollingBudgetResumeTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private const string Smoke = """
        - name: not broken
          command: 'test ! -e ./broken-{instance}'
        - name: api answers
          http: { url: "http://{host}:{port}/api/orders", expectJson: { version: "{version}" } }
        """;

    private static Task<DeploymentRecord?> ResumeAsync(DeploymentStage stage, string? id, RecordingSink sink) =>
        DeploymentEngine.ResumeAsync(stage.Load(), new ResumeDeploymentOptions { Id = id }, sink, CancellationToken.None);

    [Fact]
    public async Task A_budget_stop_resumes_failed_instances_first_then_the_rest_and_stops_again_while_the_cause_lasts()
    {
        using var stage = new DeploymentStage(instances: 3, smoke: Smoke, extraDeployment: "rolling:\n  maxFailPercent: 0%");
        var broken = Path.Combine(stage.Directory, "broken-web2");
        File.WriteAllText(broken, "");
        var sink = new RecordingSink();

        var stopped = await stage.DeployAsync("2.0.0", DeploymentStrategy.Rolling, sink);

        Assert.Equal(DeploymentOutcome.Failed, stopped!.Outcome);
        Assert.Equal(ErrorIds.RollingFailureBudgetExceeded, Assert.Single(sink.Errors).ErrorId);
        Assert.Equal("batch2:deploy", stopped.Fields[RollingResume.BudgetStopField]);
        Assert.Equal("web2", stopped.Fields[RollingPlan.FailedInstancesField]);

        // The cause is still there: the round retries web2 first, fails within the same budget and stops before web3.
        var again = new RecordingSink();
        var second = await ResumeAsync(stage, stopped.Id, again);

        Assert.Equal(DeploymentOutcome.Failed, second!.Outcome);
        Assert.Equal(stopped.Id, second.Id);
        Assert.Equal(ErrorIds.RollingFailureBudgetExceeded, Assert.Single(again.Errors).ErrorId);
        Assert.Equal("resume1:retry:deploy", second.Fields[RollingResume.BudgetStopField]);
        Assert.Equal("web2", second.Fields[RollingResume.RetryField]);
        Assert.Equal("web3", second.Fields[RollingResume.RemainingField]);
        Assert.Contains("\"1.0.0\"", await Http.GetStringAsync($"{stage.Instances[2].BaseUrl}/version"));

        // Fixed: without -Id the newest budget stop is resumed; web2 first, then web3, all under the same record.
        File.Delete(broken);
        var done = await ResumeAsync(stage, null, new RecordingSink());

        Assert.True(done!.Outcome == DeploymentOutcome.Succeeded, done.Error);
        Assert.Equal(stopped.Id, done.Id);
        var round = done.Phases.Select(p => p.Name).Where(n => n.StartsWith("resume2:", StringComparison.Ordinal));
        Assert.Equal(new[] { "resume2:retry:out", "resume2:retry:deploy", "resume2:retry:in", "resume2:batch1:out", "resume2:batch1:deploy", "resume2:batch1:in" }, round);
        Assert.Equal("", done.Fields[RollingPlan.FailedInstancesField]);
        Assert.Equal("", done.Fields[RollingResume.BudgetStopField]);
        Assert.Equal("web1,web2,web3", done.Fields[RollingPlan.UpdatedInstancesField]);
        foreach (var instance in stage.Instances)
            Assert.Contains("\"2.0.0\"", await Http.GetStringAsync($"{instance.BaseUrl}/version"));
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        foreach (var instance in stage.Instances) Assert.Contains($"127.0.0.1:{instance.Port} weight=1", upstream);
        Assert.True(await stage.Proxy.SettlesOnAsync("2.0.0", 20));

        // Finished: nothing left to resume.
        var refused = await Assert.ThrowsAsync<DeployOpsException>(() => ResumeAsync(stage, stopped.Id, new RecordingSink()));
        Assert.Equal(ErrorIds.DeploymentNotResumable, refused.ErrorId);
    }

    [Fact]
    public async Task A_failure_that_was_not_a_budget_stop_is_not_resumed()
    {
        using var stage = new DeploymentStage();

        var failed = await stage.DeployAsync("2.0.0-nobuild", DeploymentStrategy.BlueGreen);

        Assert.Equal(DeploymentOutcome.Failed, failed!.Outcome);
        var refused = await Assert.ThrowsAsync<DeployOpsException>(() => ResumeAsync(stage, failed.Id, new RecordingSink()));
        Assert.Equal(ErrorIds.DeploymentNotResumable, refused.ErrorId);
        Assert.Contains("is Failed, not Interrupted", refused.Message);
        Assert.Equal("blue", stage.ActiveSlot());
    }
}
