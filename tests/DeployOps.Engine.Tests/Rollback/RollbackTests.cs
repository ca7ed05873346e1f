using System.Text.Json;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Rollback;

/// <summary>Invoke-Rollback per strategy against real nginx and demo-app processes.</summary>
public sealed class RollbackTests
{
    private static Task<RollbackResult?> RollbackAsync(RollbackStage stage, RecordingSink sink, RollbackOptions? options = null) =>
        RollbackEngine.RollbackAsync(stage.Load(), options ?? new RollbackOptions { Reason = "error rate above 5%" }, sink, CancellationToken.None);

    [Fact]
    public async Task BlueGreen_rollback_switches_all_traffic_back_to_the_old_slot_and_writes_the_incident_report()
    {
        using var stage = new RollbackStage(extraRoot: "rollback:\n  logPaths: [blue.out, missing.log]");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.BlueGreen);          // green
        var bad = await stage.DeployOkAsync("2.0.0", DeploymentStrategy.BlueGreen); // blue
        Assert.Equal("blue", stage.Stage.ActiveSlot());

        // -WhatIf: the plan, nothing changed.
        var whatIf = RecordingSink.WhatIf();
        Assert.Null(await RollbackAsync(stage, whatIf));
        Assert.Equal(new[] { "rollback:collect", "rollback:prepare:green", "rollback:traffic:green", "rollback:verify" },
            whatIf.RecordsOf<DeploymentPlanItem>().Select(p => p.Phase));
        Assert.Equal("blue", stage.Stage.ActiveSlot());
        Assert.Equal(DeploymentOutcome.Succeeded, (await stage.Stage.GetAsync(bad.Id))!.Outcome);

        var sink = new RecordingSink();
        var result = await RollbackAsync(stage, sink);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(("2.0.0", "1.1.0", true), (result.FromVersion, result.ToVersion, result.Verified));
        Assert.Equal("green", stage.Stage.ActiveSlot());
        var counts = await stage.Stage.Proxy.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 30, NginxStage.Show(counts));
        var record = (await stage.Stage.GetAsync(bad.Id))!;
        Assert.Equal(DeploymentOutcome.RolledBack, record.Outcome);
        Assert.Equal("green", record.Fields[DeploymentField.ActiveSlot]);
        Assert.Contains(record.Phases, p => p.Name == "rollback:traffic:green" && p.Status == PhaseStatus.Succeeded);
        Assert.Contains(record.Phases, p => p.Name == "rollback:prepare:green" && p.Detail == "green still running");

        // Incident folder: evidence and both reports.
        Assert.True(File.Exists(Path.Combine(result.IncidentDirectory!, "config", "deployops.yaml")));
        Assert.True(File.Exists(Path.Combine(result.IncidentDirectory!, "logs", "blue.out")));
        var markdown = await File.ReadAllTextAsync(result.ReportPath!);
        Assert.Contains("2.0.0 → 1.1.0", markdown);
        Assert.Contains("error rate above 5%", markdown);
        Assert.Contains("missing.log: not found", markdown);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(result.IncidentDirectory!, "incident.json")));
        var root = json.RootElement;
        Assert.Equal("Succeeded", root.GetProperty("status").GetString());
        Assert.Equal("2.0.0", root.GetProperty("fromVersion").GetString());
        Assert.Equal("1.1.0", root.GetProperty("toVersion").GetString());
        var timeline = root.GetProperty("timeline").EnumerateArray().Select(e => $"{e.GetProperty("event").GetString()} {e.GetProperty("phase").GetString()}").ToList();
        Assert.Contains("PhaseCompleted traffic:blue", timeline);          // the deployment being undone
        Assert.Contains("PhaseCompleted rollback:traffic:green", timeline); // and its rollback
        Assert.Equal("Ended ", timeline[^1]);

        // The newest deployment is rolled back now: nothing more to undo by default.
        var again = await Assert.ThrowsAsync<DeployOpsException>(() => RollbackAsync(stage, new RecordingSink()));
        Assert.Equal(ErrorIds.RollbackNothingToUndo, again.ErrorId);
    }

    [Fact]
    public async Task Exit_statuses_Failed_when_the_old_version_is_unhealthy_and_Critical_when_an_action_fails()
    {
        using var stage = new RollbackStage(smoke: DefaultSmoke + "\n- name: not marked unhealthy\n  command: test ! -f ./unhealthy-{version}");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.BlueGreen);  // green
        await stage.DeployOkAsync("2.0.0", DeploymentStrategy.BlueGreen);  // blue

        // The old slot still runs but fails its smoke test now: traffic moves back, verification fails -> Failed (1).
        File.WriteAllText(Path.Combine(stage.Directory, "unhealthy-1.1.0"), "");
        var sink = new RecordingSink();
        var failed = await RollbackAsync(stage, sink);
        Assert.Equal((RollbackStatus.Failed, 1, false), (failed!.Status, failed.ExitCode, failed.Verified));
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.RollbackVerificationFailed);
        Assert.Equal("green", stage.Stage.ActiveSlot());
        Assert.Equal(DeploymentOutcome.RolledBack, (await stage.Stage.GetAsync(failed.DeploymentId))!.Outcome);

        // A new deployment to blue... then its old slot (green) is dead and cannot be started again -> Critical (2).
        await stage.DeployOkAsync("2.0.1", DeploymentStrategy.BlueGreen);
        Assert.Equal("blue", stage.Stage.ActiveSlot());
        ExternalStop(stage, "green");
        var script = Path.Combine(stage.Directory, "app.sh");
        File.WriteAllText(script, File.ReadAllText(script).Replace("start)\n", "start)\n    echo 'cannot start' >&2; exit 3\n", StringComparison.Ordinal));
        sink = new RecordingSink();
        var critical = await RollbackAsync(stage, sink);
        Assert.Equal((RollbackStatus.Critical, 2), (critical!.Status, critical.ExitCode));
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.DeploymentStepFailed && e.Message.Contains("cannot start", StringComparison.Ordinal));
        Assert.Equal("blue", stage.Stage.ActiveSlot()); // traffic never moved to a slot that does not run
        Assert.Equal(DeploymentOutcome.Failed, (await stage.Stage.GetAsync(critical.DeploymentId))!.Outcome);
        Assert.Contains("rollback failed midway", (await File.ReadAllTextAsync(critical.ReportPath!)), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Hotfix_rollback_runs_the_deployment_steps_again_with_the_previous_version()
    {
        using var stage = new RollbackStage();
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.Hotfix);
        var bad = await stage.DeployOkAsync("2.0.0", DeploymentStrategy.Hotfix);
        Assert.Equal(5, (await stage.Stage.Proxy.CountVersionsAsync(5)).GetValueOrDefault("2.0.0"));

        var sink = new RecordingSink();
        var result = await RollbackAsync(stage, sink);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(new[] { "rollback:collect", "rollback:redeploy:blue", "rollback:verify" },
            (await stage.Stage.GetAsync(bad.Id))!.Phases.Where(p => p.Name.StartsWith("rollback:", StringComparison.Ordinal)).Select(p => p.Name));
        var counts = await stage.Stage.Proxy.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 20, NginxStage.Show(counts));
        var log = await File.ReadAllTextAsync(bad.LogPath!);
        Assert.Contains("bash ./app.sh start blue", log);
        Assert.Contains($"start blue {stage.Stage.Blue!.Port} 1.1.0", log);
    }

    [Fact]
    public async Task An_interrupted_canary_is_aborted_weight_0_and_the_canary_stopped()
    {
        using var stage = new RollbackStage(extraDeployment: "canary:\n  steps: [25, 50]\n  pause: 100ms");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.BlueGreen); // green is live
        using var abort = new CancellationTokenSource();
        var gate = new CancellingGate(abort);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DeploymentEngine.InvokeAsync(stage.Load(),
            new DeploymentOptions { Version = "2.0.0", Strategy = DeploymentStrategy.Canary, CanaryGate = gate }, new RecordingSink(), abort.Token));
        await using (var store = DeploymentStore.Open(stage.Load()))
        {
            var interrupted = Assert.Single(await store.FindInterruptedAsync(CancellationToken.None));
            Assert.Equal("canary:25%", interrupted.LastCompletedPhase);
        }
        Assert.Contains($"127.0.0.1:{stage.Stage.Blue!.Port} weight=25", File.ReadAllText(stage.Stage.Proxy.UpstreamFile));

        var sink = new RecordingSink();
        var result = await RollbackAsync(stage, sink);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(("2.0.0", "1.1.0"), (result.FromVersion, result.ToVersion));
        Assert.Contains($"127.0.0.1:{stage.Stage.Blue.Port} down", File.ReadAllText(stage.Stage.Proxy.UpstreamFile));
        var counts = await stage.Stage.Proxy.CountVersionsAsync(30);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 30, NginxStage.Show(counts));
        Assert.False(File.Exists(Path.Combine(stage.Directory, "blue.pid")), "the canary was stopped");
        var record = (await stage.Stage.GetAsync(result.DeploymentId))!;
        Assert.Equal(DeploymentOutcome.RolledBack, record.Outcome);
        Assert.Contains(record.Phases, p => p.Name == "rollback:stop:blue" && p.Status == PhaseStatus.Succeeded);
    }

    private const string DefaultSmoke = "- name: api answers\n  http: { url: \"http://{host}:{port}/api/orders\", expectJson: { version: \"{version}\" } }";

    private static void ExternalStop(RollbackStage stage, string name) =>
        Fixtures.ExternalProcess.Run("/bin/bash", $"{Path.Combine(stage.Directory, "app.sh")} stop {name}", workingDirectory: stage.Directory);

    /// <summary>Stands for Ctrl+C (or a lost session) while the canary is at its first step.</summary>
    private sealed class CancellingGate(CancellationTokenSource abort) : ICanaryGate
    {
        public Task<CanaryGateResult> EvaluateAsync(CanaryGateContext context, CancellationToken cancellationToken)
        {
            abort.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(new CanaryGateResult(CanaryVerdict.Pass, "unreachable"));
        }
    }
}
