using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>Canary: weighted nginx upstreams per step, the health-endpoint gate against real demo apps, approvals.</summary>
public sealed class CanaryDeploymentTests
{
    // Smoke and the router's probes only read /health, so a faulty build (500s on /api) passes verification and
    // must be caught by the gate under real traffic.
    private const string HealthSmoke = "- name: health answers\n  http: { url: \"http://{host}:{port}/health\", expectJson: { version: \"{version}\" } }";

    private static DeploymentStage Stage(string canary) => new(smoke: HealthSmoke, extraDeployment: canary, probePath: "/health");

    [Fact]
    public async Task Canary_shifts_traffic_in_steps_gated_on_health_and_ends_on_the_new_version()
    {
        using var stage = Stage("canary:\n  steps: [20, 50]\n  pause: 1s\n  gate: { sampleInterval: 250ms, maxErrorRate: 5% }");
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();

        var record = await stage.DeployAsync("2.0.0", DeploymentStrategy.Canary);

        await load.DisposeAsync();
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(new[] { "deploy:green", "verify:green", "canary:20%", "gate:20%", "canary:50%", "gate:50%", "canary:100%", "post-verify" },
            record.Phases.Select(p => p.Name));
        Assert.StartsWith("Pass", record.Phases.Single(p => p.Name == "gate:20%").Detail);
        Assert.True(load.Failures.IsEmpty, load.Summary());
        Assert.True(load.Versions.GetValueOrDefault("2.0.0") > 0 && load.Versions.GetValueOrDefault("1.0.0") > 0, load.Summary());
        Assert.Equal(20, (await stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("2.0.0"));
    }

    [Fact]
    public async Task A_failing_gate_sets_the_canary_weight_to_zero_and_stops()
    {
        using var stage = Stage("canary:\n  steps: [30, 60]\n  pause: 1500ms\n  gate: { sampleInterval: 250ms, maxErrorRate: 5% }");
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();
        var sink = new RecordingSink();

        var record = await stage.DeployAsync("2.0.0-faulty", DeploymentStrategy.Canary, sink);

        await load.DisposeAsync();
        Assert.True(record!.Outcome == DeploymentOutcome.RolledBack, record.Error);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.CanaryGateFailed, error.ErrorId);
        Assert.Contains("gate:30%", error.Message);
        Assert.Contains("canary requests failed", error.Message);
        Assert.Equal(PhaseStatus.Failed, record.Phases.Single(p => p.Name == "gate:30%").Status);
        Assert.DoesNotContain(record.Phases, p => p.Name == "canary:60%");
        Assert.Equal("blue", stage.ActiveSlot());
        Assert.Contains($"127.0.0.1:{stage.Green!.Port} down", File.ReadAllText(stage.Proxy.UpstreamFile));
        Assert.True(await stage.Proxy.SettlesOnAsync("1.0.0", 20));
    }

    /// <summary>A gate that cannot decide (the pluggable interface Watch-DeploymentHealth will implement).</summary>
    private sealed class UndecidedGate : ICanaryGate
    {
        public int Calls;

        public Task<CanaryGateResult> EvaluateAsync(CanaryGateContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new CanaryGateResult(CanaryVerdict.Inconclusive, $"only 3 requests reached {context.Canary.Name}"));
        }
    }

    private static async Task<string> RunningDeploymentIdAsync(DeploymentStage stage)
    {
        await using var store = DeploymentStore.Open(stage.Load());
        return (await store.GetLockAsync(CancellationToken.None))?.DeploymentId ?? "none";
    }

    [Fact]
    public async Task An_inconclusive_gate_waits_for_Approve_Deployment_or_fails_at_the_approval_timeout()
    {
        using var stage = Stage("canary:\n  steps: [50]\n  pause: 100ms\n  onInconclusive: wait\n  approvalTimeout: 20s");
        var gate = new UndecidedGate();
        var sink = new RecordingSink();

        var deployment = stage.DeployAsync("2.0.0", DeploymentStrategy.Canary, sink, gate);
        var config = stage.Load();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        await using (var approvals = CanaryApprovals.Open(config))
        {
            while (await approvals.PendingAsync(await RunningDeploymentIdAsync(stage), CancellationToken.None) is null && !deployment.IsCompleted && DateTime.UtcNow < deadline)
                await Task.Delay(100);
        }

        // While it waits it holds the lock: a second deployment and an operator's switch are refused at once.
        var second = await Assert.ThrowsAsync<DeployOpsException>(() => stage.DeployAsync("9.9.9", DeploymentStrategy.BlueGreen));
        Assert.Equal(ErrorIds.DeploymentLocked, second.ErrorId);
        var switched = await Assert.ThrowsAsync<DeployOpsException>(() =>
            Engine.Traffic.TrafficSwitcher.SwitchAsync(config, new Engine.Traffic.SwitchTrafficOptions { To = "green" }, new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentLocked, switched.ErrorId);

        var approval = await DeploymentEngine.ApproveAsync(config, null, "looks fine on the dashboard", new RecordingSink(), CancellationToken.None);
        var record = await deployment;

        Assert.NotNull(approval);
        Assert.Equal("gate:50%", approval!.Gate);
        Assert.Contains(sink.Warnings, w => w.Contains("Approve-Deployment"));
        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Contains("approved by", record.Phases.Single(p => p.Name == "gate:50%").Detail);
        Assert.Equal("green", stage.ActiveSlot());

        // Next release: nobody approves within the timeout, so the canary is aborted back to green.
        File.WriteAllText(stage.ConfigPath, File.ReadAllText(stage.ConfigPath).Replace("approvalTimeout: 20s", "approvalTimeout: 300ms"));
        var timedOut = await stage.DeployAsync("3.0.0", DeploymentStrategy.Canary, sink, gate);
        Assert.Equal(DeploymentOutcome.RolledBack, timedOut!.Outcome);
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.CanaryApprovalTimedOut);
        Assert.Equal("green", stage.ActiveSlot());
    }

    [Fact(Timeout = 180_000)]
    public async Task Deny_Deployment_on_an_inconclusive_gate_fails_it_and_sends_the_canary_back_to_weight_0()
    {
        using var stage = Stage("canary:\n  steps: [50]\n  pause: 100ms\n  onInconclusive: wait\n  approvalTimeout: 60s");
        var sink = new RecordingSink();
        var deployment = stage.DeployAsync("2.0.0", DeploymentStrategy.Canary, sink, new UndecidedGate());
        var config = stage.Load();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        await using (var approvals = CanaryApprovals.Open(config))
        {
            while (await approvals.PendingAsync(await RunningDeploymentIdAsync(stage), CancellationToken.None) is null && !deployment.IsCompleted && DateTime.UtcNow < deadline)
                await Task.Delay(100);
        }

        var denial = await ApprovalCommands.DenyAsync(config, null, "error budget spent this week", new RecordingSink(), CancellationToken.None);
        var record = await deployment.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(denial!.Denied);
        Assert.Equal("gate:50%", denial.Gate);
        Assert.Equal(DeploymentOutcome.RolledBack, record!.Outcome);
        var error = Assert.Single(sink.Errors, e => e.ErrorId == ErrorIds.CanaryGateFailed);
        Assert.Contains("denied by", error.Message);
        Assert.Contains("error budget spent this week", error.Message);
        Assert.Equal("blue", stage.ActiveSlot()); // all traffic back on the old version
    }
}
