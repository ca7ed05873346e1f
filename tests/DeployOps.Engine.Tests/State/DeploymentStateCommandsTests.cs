using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

/// <summary>Get-Deployment, Get-DeploymentHistory and Unlock-Deployment as the cmdlets drive them, on the file store.</summary>
public sealed class DeploymentStateCommandsTests : IDisposable
{
    private readonly TempConfig _cfg = new("application: shop\nenvironment: prod\nstate:\n  lockTtl: 10m\n");
    private readonly ConfigModel _config;

    public DeploymentStateCommandsTests() => _config = ConfigLoader.Load(_cfg.Path);

    private IReadOnlyList<AuditEntry> Audit => AuditLog.For(_config).ReadAll().Where(e => e.Command == "Unlock-Deployment").ToList();

    [Fact]
    public void The_state_section_reads_lockTtl_and_rejects_unknown_keys()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), _config.State.LockTtl);
        using var bad = new TempConfig("application: a\nenvironment: b\nstate:\n  lockTTL: 5m\n");
        var errors = ConfigLoader.Validate(bad.Path);
        Assert.Contains(errors, e => e.Path.Contains("lockTTL") && e.Line == 4);
    }

    [Fact]
    public async Task Status_goes_from_Idle_to_Running_to_Interrupted_and_names_the_lock_holder()
    {
        var sink = new RecordingSink();
        var idle = await DeploymentStateCommands.GetStatusAsync(_config, sink, CancellationToken.None);
        Assert.Equal(DeploymentActivity.Idle, idle.Activity);
        Assert.Null(idle.Current);

        await using var store = DeploymentStore.Open(_config);
        string id;
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v9"), CancellationToken.None))
        {
            id = tracker.Id;
            await tracker.PhaseStartedAsync("backup", CancellationToken.None);
            await tracker.PhaseCompletedAsync("backup", null, CancellationToken.None);
            var running = await DeploymentStateCommands.GetStatusAsync(_config, sink, CancellationToken.None);
            Assert.Equal(DeploymentActivity.Running, running.Activity);
            Assert.Equal(id, running.Lock!.DeploymentId);
            Assert.Equal(("v9", DeploymentOutcome.Running, "backup"), (running.Current!.Version, running.Current.Outcome, running.Current.LastCompletedPhase));
        }
        var interrupted = await DeploymentStateCommands.GetStatusAsync(_config, sink, CancellationToken.None);
        Assert.Equal(DeploymentActivity.Interrupted, interrupted.Activity);
        Assert.Null(interrupted.Lock);
        Assert.Equal(id, Assert.Single(interrupted.Interrupted).Id);
        Assert.Equal(3, sink.RecordsOf<DeploymentStatus>().Count());
    }

    [Fact]
    public async Task History_and_a_single_deployment_are_written_to_the_sink_and_an_unknown_id_is_DeploymentNotFound()
    {
        await using var store = DeploymentStore.Open(_config);
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v1", DeploymentIds.New(DateTimeOffset.UtcNow.AddMinutes(-1))), CancellationToken.None))
            await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v2"), CancellationToken.None))
            await tracker.FinishAsync(DeploymentOutcome.RolledBack, "health gate failed", CancellationToken.None);

        var sink = new RecordingSink();
        var history = await DeploymentStateCommands.GetHistoryAsync(_config, new HistoryQuery { Last = 1 }, sink, CancellationToken.None);
        Assert.Equal("v2", Assert.Single(sink.RecordsOf<DeploymentRecord>()).Version);
        Assert.Equal("health gate failed", history[0].Error);

        var one = await DeploymentStateCommands.GetDeploymentAsync(_config, history[0].Id, sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.RolledBack, one.Outcome);
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentStateCommands.GetDeploymentAsync(_config, "20000101-000000-abcdef", sink, CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotFound, error.ErrorId);
    }

    [Fact]
    public async Task Every_record_and_status_carries_the_path_of_its_configuration()
    {
        await using var store = DeploymentStore.Open(_config);
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v1"), CancellationToken.None))
            await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);

        var sink = new RecordingSink();
        var history = await DeploymentStateCommands.GetHistoryAsync(_config, new HistoryQuery(), sink, CancellationToken.None);
        Assert.All(sink.RecordsOf<DeploymentRecord>(), r => Assert.Equal(_config.FilePath, r.ConfigPath));
        var one = await DeploymentStateCommands.GetDeploymentAsync(_config, history[0].Id, sink, CancellationToken.None);
        Assert.Equal(_config.FilePath, one.ConfigPath);
        var status = await DeploymentStateCommands.GetStatusAsync(_config, sink, CancellationToken.None);
        Assert.Equal(_config.FilePath, status.ConfigPath);
        Assert.Equal(_config.FilePath, status.Current!.ConfigPath);
        Assert.True(Path.IsPathRooted(status.ConfigPath));
    }

    [Fact]
    public async Task Unlock_refuses_a_live_lock_without_Force_changes_nothing_under_WhatIf_and_audits_every_attempt()
    {
        var none = new RecordingSink();
        Assert.Null(await DeploymentStateCommands.UnlockAsync(_config, new UnlockOptions { Force = true }, none, CancellationToken.None));
        Assert.Equal(ErrorIds.LockNotHeld, Assert.Single(none.Errors).ErrorId);

        await using var store = DeploymentStore.Open(_config);
        await using var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start(), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<DeployOpsException>(() =>
            DeploymentStateCommands.UnlockAsync(_config, new UnlockOptions(), new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.LockNotStale, refused.ErrorId);
        Assert.Contains(tracker.Id, refused.Message);

        var whatIf = RecordingSink.WhatIf();
        Assert.Null(await DeploymentStateCommands.UnlockAsync(_config, new UnlockOptions { Force = true }, whatIf, CancellationToken.None));
        Assert.Contains(tracker.Id, Assert.Single(whatIf.ShouldProcessCalls).Target);
        Assert.Equal(tracker.Id, (await store.GetLockAsync(CancellationToken.None))!.DeploymentId);

        var sink = new RecordingSink();
        var broken = await DeploymentStateCommands.UnlockAsync(_config, new UnlockOptions { Force = true }, sink, CancellationToken.None);
        Assert.Equal(tracker.Id, broken!.DeploymentId);
        Assert.Same(broken, Assert.Single(sink.Records));
        Assert.Contains("may still be running", Assert.Single(sink.Warnings));
        Assert.Null(await store.GetLockAsync(CancellationToken.None));

        // The attempt that found no lock is audited too (docs: every attempt), without a deployment to name.
        Assert.Equal(new[] { "LockNotHeld", "Refused", "Skipped", "Succeeded" }, Audit.Select(e => e.Outcome));
        Assert.Null(Audit[0].DeploymentId);
        Assert.Equal("true", Audit[0].Details["force"]);
        Assert.All(Audit.Skip(1), e => Assert.Equal(tracker.Id, e.DeploymentId));
        Assert.Equal("true", Audit[^1].Details["force"]);
    }

    public void Dispose() => _cfg.Dispose();
}
