using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>Blue-green end to end: real demo-app processes started by the configured steps, behind real nginx.</summary>
public sealed class BlueGreenDeploymentTests
{
    [Fact]
    public async Task Deploys_to_the_idle_slot_moves_all_traffic_and_keeps_the_old_slot_running()
    {
        using var stage = new DeploymentStage();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);

        Assert.NotNull(record);
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error + string.Join("\n", sink.Errors));
        Assert.Equal(new[] { "deploy:green", "verify:green", "traffic:green", "post-verify" }, record.Phases.Select(p => p.Name));
        Assert.All(record.Phases, p => Assert.Equal(PhaseStatus.Succeeded, p.Status));
        Assert.Equal("green", stage.ActiveSlot());
        var counts = await stage.Proxy.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("2.0.0") == 30, NginxStage.Show(counts));
        using (var http = new HttpClient())
            Assert.Contains("\"version\":\"1.0.0\"", await http.GetStringAsync(stage.Blue!.BaseUrl + "/version")); // instant switch-back possible
        Assert.Contains("started green (2.0.0)", File.ReadAllText(record.LogPath!));
        Assert.Contains(sink.RecordsOf<DeploymentRecord>(), r => r.Id == record.Id);
        Assert.Contains(AuditLog.For(stage.Load()).ReadAll(), a => a.DeploymentId == record.Id && a.Outcome == "Succeeded");

        // The next release goes to blue, knows its predecessor, and moves traffic back the other way.
        var next = await stage.DeployAsync("3.0.0", DeploymentStrategy.BlueGreen);
        Assert.Equal(DeploymentOutcome.Succeeded, next!.Outcome);
        Assert.Equal("2.0.0", next.PreviousVersion);
        Assert.Equal("deploy:blue", next.Phases[0].Name);
        Assert.Equal(30, (await stage.Proxy.CountVersionsAsync(30)).GetValueOrDefault("3.0.0"));
    }

    [Fact]
    public async Task A_failing_step_stops_the_deployment_with_traffic_on_the_old_version()
    {
        using var stage = new DeploymentStage();
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0-nobuild", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DeploymentStepFailed, error.ErrorId);
        Assert.Contains("Step 'build' of phase 'install' on green failed: exit code 2", error.Message);
        Assert.Contains("error CS1002: ; expected", error.Message);
        Assert.Equal(PhaseStatus.Failed, record.Phases.Single(p => p.Name == "deploy:green").Status);
        Assert.DoesNotContain(record.Phases, p => p.Name.StartsWith("traffic", StringComparison.Ordinal));
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
    }

    [Fact]
    public async Task A_failing_smoke_test_stops_before_traffic_moves()
    {
        using var stage = new DeploymentStage();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0-faulty", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.SmokeTestFailed, error.ErrorId);
        Assert.Contains("'api answers'", error.Message);
        Assert.Contains("answered 500", error.Message);
        Assert.Equal("verify:green", record.Phases.Last().Name);
        Assert.Equal("blue", stage.ActiveSlot());
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("1.0.0"));
    }

    [Fact]
    public async Task A_failing_post_verification_switches_traffic_back()
    {
        using var stage = new DeploymentStage(verify: "- name: checkout works\n  http: { url: \"PROXY/version\", expectJson: { instance: nowhere } }");
        File.WriteAllText(stage.ConfigPath, File.ReadAllText(stage.ConfigPath).Replace("PROXY", stage.ProxyUrl));
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.RolledBack, record!.Outcome);
        Assert.Contains("switched back", record.Error);
        Assert.Equal("blue", stage.ActiveSlot());
        Assert.True(await stage.Proxy.SettlesOnAsync("1.0.0"));
    }

    [Fact]
    public async Task WhatIf_writes_the_full_plan_with_rendered_steps_and_changes_nothing()
    {
        using var stage = new DeploymentStage();
        var upstream = File.ReadAllText(stage.Proxy.UpstreamFile);
        var sink = RecordingSink.WhatIf();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);

        Assert.Null(record);
        var plan = sink.RecordsOf<DeploymentPlanItem>().ToList();
        Assert.Equal(new[] { "deploy:green", "verify:green", "traffic:green", "post-verify" }, plan.Select(p => p.Phase));
        Assert.Contains(plan[0].Details, d => d == $"start: start app -> bash ./app.sh start green {stage.Green!.Port} 2.0.0");
        Assert.Contains(plan[1].Details, d => d.Contains($"http://127.0.0.1:{stage.Green!.Port}/api/orders"));
        Assert.True(plan[2].MovesTraffic);
        Assert.Contains("green 127.0.0.1:" + stage.Green!.Port + " weight=100", plan[2].Details[0]);
        Assert.Equal(upstream, File.ReadAllText(stage.Proxy.UpstreamFile));
        Assert.False(File.Exists(Path.Combine(stage.Directory, "green.pid")));
        await using var store = DeploymentStore.Open(stage.Load());
        Assert.Empty(await store.ListAsync(new HistoryQuery(), CancellationToken.None));
        Assert.Contains(AuditLog.For(stage.Load()).ReadAll(), a => a.Outcome == "Skipped");
    }

    [Fact]
    public async Task Declining_the_traffic_move_stops_resumably_and_Resume_finishes_it()
    {
        using var stage = new DeploymentStage();
        // -Confirm answered yes to the deployment and no to moving traffic.
        var sink = new RecordingSink((target, _) => target != stage.Proxy.UpstreamFile);

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen, sink);

        Assert.Equal(DeploymentOutcome.Interrupted, record!.Outcome);
        Assert.Equal("verify:green", record.LastCompletedPhase);
        Assert.Equal("blue", stage.ActiveSlot());

        var resumed = await DeploymentEngine.ResumeAsync(stage.Load(), new ResumeDeploymentOptions(), new RecordingSink(), CancellationToken.None);
        Assert.Equal(record.Id, resumed!.Id);
        Assert.Equal(DeploymentOutcome.Succeeded, resumed.Outcome);
        Assert.Equal("green", stage.ActiveSlot());
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("2.0.0"));
    }
}
