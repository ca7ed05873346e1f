using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.StateStore;

/// <summary>
/// What a crash leaves behind: the deployment a rollback undoes, the block on new deployments, and Resume-Deployment
/// after a killed rollback. Journals are written through the real tracker and file store; the deployment that
/// goes ahead with -Force runs for real against a loopback HTTP server standing in for the instance.
/// </summary>
public sealed class RecoveryTests : IDisposable
{
    private readonly LoopbackHttpServer _app = new LoopbackHttpServer().Route("/health", new CannedResponse(200, "{}"));
    private readonly TempConfig _config;

    public RecoveryTests()
    {
        _config = new TempConfig($$"""
            application: shop
            environment: recovery
            deployment:
              instances:
                - { name: web1, host: 127.0.0.1, port: {{_app.Port}} }
              readiness: { timeout: 10s, interval: 100ms }
              steps:
                start:
                  - { name: install, command: "echo {version} > current-version" }
            """);
    }

    private ConfigModel Load() => ConfigLoader.Load(_config.Path);

    /// <summary>Journals a deployment through the tracker: each phase completed, the last one as <paramref name="lastPhase"/>.</summary>
    private async Task<string> JournalAsync(string version, string? previous, string[] phases, PhaseStatus lastPhase, DeploymentOutcome? outcome)
    {
        await using var store = DeploymentStore.Open(Load());
        var tracker = await DeploymentTracker.StartAsync(store, new DeploymentStart { Version = version, PreviousVersion = previous, Strategy = "Hotfix" },
            CancellationToken.None);
        await using (tracker)
        {
            for (var i = 0; i < phases.Length; i++)
            {
                await tracker.PhaseStartedAsync(phases[i], CancellationToken.None);
                if (i < phases.Length - 1 || lastPhase == PhaseStatus.Succeeded) await tracker.PhaseCompletedAsync(phases[i], null, CancellationToken.None);
                else if (lastPhase == PhaseStatus.Failed) await tracker.PhaseFailedAsync(phases[i], "check failed", CancellationToken.None);
            }
            if (outcome is { } o) await tracker.FinishAsync(o, o == DeploymentOutcome.Succeeded ? null : "stopped", CancellationToken.None);
            return tracker.Id; // disposed without FinishAsync: Interrupted, as after kill -9
        }
    }

    [Fact]
    public async Task Rollback_undoes_the_newest_deployment_that_changed_something_and_WhatIf_says_which_and_why()
    {
        await JournalAsync("1.0.0", null, new[] { "before-deploy", "redeploy:web1", "after-deploy" }, PhaseStatus.Succeeded, DeploymentOutcome.Succeeded);
        var interrupted = await JournalAsync("2.0.0", "1.0.0", new[] { "before-deploy", "deploy:web1" }, PhaseStatus.Running, null);
        var precheckFailed = await JournalAsync("2.0.1", "1.0.0", new[] { "pre-checks" }, PhaseStatus.Failed, DeploymentOutcome.Failed);

        var whatIf = RecordingSink.WhatIf();
        Assert.Null(await RollbackEngine.RollbackAsync(Load(), new RollbackOptions(), whatIf, CancellationToken.None));
        var action = Assert.Single(whatIf.ShouldProcessCalls).Action;
        Assert.StartsWith($"Roll back deployment {interrupted} (Hotfix, the newest deployment that changed something (Interrupted); passed over: {precheckFailed} (2.0.1, Failed) changed nothing: it stopped in pre-checks)", action);
        Assert.Contains("from 2.0.0 to 1.0.0", action);
        Assert.Contains(whatIf.Warnings, w => w.Contains(interrupted) && w.Contains(precheckFailed));
    }

    [Fact]
    public async Task An_interrupted_deployment_blocks_a_new_one_until_Force_which_is_audited()
    {
        await JournalAsync("1.0.0", null, new[] { "before-deploy", "redeploy:web1", "after-deploy" }, PhaseStatus.Succeeded, DeploymentOutcome.Succeeded);
        var interrupted = await JournalAsync("2.0.0", "1.0.0", new[] { "before-deploy", "deploy:web1" }, PhaseStatus.Running, null);

        var refused = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.InvokeAsync(Load(),
            new DeploymentOptions { Version = "3.0.0", Strategy = DeploymentStrategy.Hotfix }, new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.InterruptedDeploymentPending, refused.ErrorId);
        Assert.Contains($"Resume-Deployment -Id {interrupted}", refused.Message);
        Assert.Contains($"Invoke-Rollback -DeploymentId {interrupted}", refused.Message);
        Assert.Contains("-Force", refused.Message);
        Assert.False(File.Exists(Path.Combine(_config.Directory, "current-version")));

        // -WhatIf shows the refusal as a warning and still plans.
        var whatIf = new RecordingSink((_, _) => false) { IsDryRun = true };
        Assert.Null(await DeploymentEngine.InvokeAsync(Load(), new DeploymentOptions { Version = "3.0.0", Strategy = DeploymentStrategy.Hotfix },
            whatIf, CancellationToken.None));
        Assert.Contains(whatIf.Warnings, w => w.StartsWith("This deployment would be refused") && w.Contains(interrupted));

        var forced = await DeploymentEngine.InvokeAsync(Load(),
            new DeploymentOptions { Version = "3.0.0", Strategy = DeploymentStrategy.Hotfix, Force = true }, new RecordingSink(), CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, forced!.Outcome);
        Assert.Equal("3.0.0", File.ReadAllText(Path.Combine(_config.Directory, "current-version")).Trim());
        var audit = File.ReadAllText(Path.Combine(_config.Directory, ".deployops", "audit.jsonl"));
        Assert.Contains("\"Forced\"", audit);
        Assert.Contains(interrupted, audit);

        // The forced deployment is now the newest change: the next one is not blocked.
        var next = await DeploymentEngine.InvokeAsync(Load(), new DeploymentOptions { Version = "3.0.1", Strategy = DeploymentStrategy.Hotfix },
            new RecordingSink(), CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, next!.Outcome);
    }

    [Fact]
    public async Task An_attempt_that_stopped_in_its_pre_checks_does_not_block_and_is_not_undone()
    {
        await JournalAsync("1.0.0", null, new[] { "before-deploy", "redeploy:web1", "after-deploy" }, PhaseStatus.Succeeded, DeploymentOutcome.Succeeded);
        await JournalAsync("2.0.0", "1.0.0", new[] { "pre-checks" }, PhaseStatus.Running, null); // killed during its checks

        var record = await DeploymentEngine.InvokeAsync(Load(), new DeploymentOptions { Version = "2.0.0", Strategy = DeploymentStrategy.Hotfix },
            new RecordingSink(), CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, record!.Outcome);
    }

    [Fact]
    public async Task Resume_after_a_killed_rollback_refuses_with_the_command_that_finishes_it()
    {
        await JournalAsync("1.0.0", null, new[] { "before-deploy", "redeploy:web1", "after-deploy" }, PhaseStatus.Succeeded, DeploymentOutcome.Succeeded);
        var id = await JournalAsync("2.0.0", "1.0.0",
            new[] { "before-deploy", "deploy:web1", "after-deploy", "rollback:collect", "rollback:redeploy:web1" }, PhaseStatus.Running, null);

        foreach (var requested in new[] { id, null })
        {
            var refused = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.ResumeAsync(Load(),
                new ResumeDeploymentOptions { Id = requested }, new RecordingSink(), CancellationToken.None));
            Assert.Equal(ErrorIds.RollbackInterrupted, refused.ErrorId);
            Assert.Contains($"Invoke-Rollback -DeploymentId {id}", refused.Message);
            Assert.Contains("rollback:redeploy:web1", refused.Message);
        }
        Assert.False(File.Exists(Path.Combine(_config.Directory, "current-version")));

        // A new deployment is blocked with the same remedy; Invoke-Rollback finishes the rollback.
        var blocked = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentEngine.InvokeAsync(Load(),
            new DeploymentOptions { Version = "3.0.0", Strategy = DeploymentStrategy.Hotfix }, new RecordingSink(), CancellationToken.None));
        Assert.Contains($"finish its rollback with Invoke-Rollback -DeploymentId {id}", blocked.Message);
        var sink = new RecordingSink();
        var result = await RollbackEngine.RollbackAsync(Load(), new RollbackOptions(), sink, CancellationToken.None);
        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + sink.AllText());
        Assert.Equal(id, result.DeploymentId);
        Assert.Equal("1.0.0", File.ReadAllText(Path.Combine(_config.Directory, "current-version")).Trim());
    }

    public void Dispose()
    {
        _config.Dispose();
        _app.Dispose();
    }
}
