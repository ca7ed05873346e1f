using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

/// <summary>What every deployment store must do; run against the file store and against real PostgreSQL.</summary>
public abstract partial class DeploymentStoreContract
{
    protected const string App = "shop";
    protected const string Env = "prod";

    /// <summary>A store of a fresh, private state (same state for every call within one test).</summary>
    private protected abstract IDeploymentStore OpenStore(TimeSpan? lockTtl = null, string app = App);

    /// <summary>Arguments for the probe process so that it opens this test's state.</summary>
    protected abstract StateProbeProcess StartProbe(string mode, string id, int phases = 3);

    [Fact]
    public async Task Two_concurrent_acquisitions_let_exactly_one_win_and_the_loser_names_the_holder()
    {
        await using var a = OpenStore();
        await using var b = OpenStore();
        var attempts = new[] { ("dep-a", a), ("dep-b", b) }
            .Select(x => Task.Run(() => x.Item2.AcquireLockAsync(x.Item1, CancellationToken.None)))
            .ToArray();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try { return (Lock: await t, Error: (DeployOpsException?)null); }
            catch (DeployOpsException ex) { return (Lock: (IDeploymentLock?)null, Error: ex); }
        }));
        var winner = Assert.Single(outcomes, o => o.Lock is not null).Lock!;
        var loser = Assert.Single(outcomes, o => o.Error is not null).Error!;
        Assert.Equal(ErrorIds.DeploymentLocked, loser.ErrorId);
        Assert.Contains(winner.Holder.DeploymentId, loser.Message);
        Assert.Contains(OperatorIdentity.Current.User, loser.Message);
        Assert.Contains($"pid {Environment.ProcessId}", loser.Message);
        Assert.Equal(winner.Holder.DeploymentId, Assert.IsType<LockInfo>(loser.Target).DeploymentId);

        var seen = await a.GetLockAsync(CancellationToken.None);
        Assert.Equal(winner.Holder.DeploymentId, seen!.DeploymentId);
        Assert.False(seen.IsStale);
        await winner.DisposeAsync();
        Assert.Null(await a.GetLockAsync(CancellationToken.None));
        await using var next = await b.AcquireLockAsync("dep-c", CancellationToken.None);
        Assert.Equal("dep-c", next.Holder.DeploymentId);
    }

    [Fact]
    public async Task A_lock_held_by_another_process_is_refused_and_named_until_that_process_dies()
    {
        using var probe = StartProbe("hold", "held-elsewhere");
        probe.WaitFor("locked");
        await using var store = OpenStore();
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("mine", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentLocked, error.ErrorId);
        Assert.Contains("held-elsewhere", error.Message);
        Assert.Contains($"pid {probe.Pid}", error.Message);
        Assert.DoesNotContain("stale", error.Message);

        probe.KillHard();
        await using var mine = await WaitForLockAsync(store, "mine");
        Assert.Equal("mine", mine.Holder.DeploymentId);
    }

    [Fact]
    public async Task A_deployment_killed_mid_way_is_Interrupted_at_its_last_completed_phase_and_can_be_resumed()
    {
        using (var probe = StartProbe("deploy", "crashed-1", phases: 3))
        {
            probe.WaitFor("completed phase-2");
            probe.KillHard();
        }
        await using var store = OpenStore();
        var journal = await store.ReadJournalAsync("crashed-1", CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), journal.Select(e => e.Sequence));
        Assert.Contains(journal, e => e.Kind == JournalEventKind.PhaseCompleted && e.Phase == "phase-2");
        Assert.DoesNotContain(journal, e => e.Kind == JournalEventKind.Ended);

        var record = await WaitForInterruptedAsync(store, "crashed-1");
        Assert.Equal(DeploymentOutcome.Interrupted, record.Outcome);
        Assert.Null(record.End);
        var completed = record.Phases.Where(p => p.Status == PhaseStatus.Succeeded).Select(p => p.Name).ToList();
        Assert.Equal(record.LastCompletedPhase, completed.Last());
        Assert.Contains("phase-2", completed);
        Assert.Contains("last completed phase", record.Error);
        Assert.Contains(record.Id, (await store.FindInterruptedAsync(CancellationToken.None)).Select(r => r.Id));

        await using var resumed = await DeploymentTracker.ResumeAsync(store, "crashed-1", CancellationToken.None);
        Assert.True(resumed.IsPhaseCompleted("phase-1"));
        Assert.True(resumed.IsStepCompleted("phase-2", "step"));
        Assert.Equal(DeploymentOutcome.Running, (await store.GetAsync("crashed-1", CancellationToken.None))!.Outcome);
        foreach (var phase in new[] { "phase-3", "last" }.Where(p => !resumed.IsPhaseCompleted(p)))
        {
            await resumed.PhaseStartedAsync(phase, CancellationToken.None);
            await resumed.PhaseCompletedAsync(phase, null, CancellationToken.None);
        }
        var done = await resumed.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        Assert.All(done.Phases, p => Assert.Equal(PhaseStatus.Succeeded, p.Status));
        Assert.Equal(new[] { "phase-1", "phase-2", "phase-3", "last" }, done.Phases.Select(p => p.Name));
        Assert.Empty(await store.FindInterruptedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_running_or_finished_deployment_cannot_be_resumed()
    {
        await using var store = OpenStore();
        await using var running = await DeploymentTracker.StartAsync(store, StateTest.Start(id: "running-1"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentTracker.ResumeAsync(store, "running-1", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotResumable, error.ErrorId);
        await running.FinishAsync(DeploymentOutcome.Failed, "step x failed", CancellationToken.None);
        error = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentTracker.ResumeAsync(store, "running-1", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotResumable, error.ErrorId);
        error = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentTracker.ResumeAsync(store, "no-such", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotFound, error.ErrorId);
    }

    [Fact]
    public async Task The_tracker_records_phases_fields_and_outcome_and_redacts_details()
    {
        await using var store = OpenStore();
        DeploymentRecord record;
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v7"), CancellationToken.None))
        {
            Assert.Equal(DeploymentOutcome.Running, (await store.GetAsync(tracker.Id, CancellationToken.None))!.Outcome);
            await tracker.PhaseStartedAsync("backup", CancellationToken.None);
            await tracker.AnnotateAsync(DeploymentField.BackupId, "bk-42", CancellationToken.None);
            await tracker.PhaseCompletedAsync("backup", "dump with password=s3cr3t-value-xyz", CancellationToken.None);
            await tracker.PhaseSkippedAsync("maintenance", "not configured", CancellationToken.None);
            await tracker.PhaseStartedAsync("deploy", CancellationToken.None);
            await tracker.PhaseFailedAsync("deploy", "step 'npm install' exited 1", CancellationToken.None);
            record = await tracker.FinishAsync(DeploymentOutcome.Failed, "step 'npm install' exited 1", CancellationToken.None);
        }
        var read = (await store.GetAsync(record.Id, CancellationToken.None))!;
        foreach (var r in new[] { record, read })
        {
            Assert.Equal(("shop", "prod", "v7", "v1", "BlueGreen"), (r.Application, r.Environment, r.Version, r.PreviousVersion, r.Strategy));
            Assert.Equal(DeploymentOutcome.Failed, r.Outcome);
            Assert.Equal("bk-42", r.BackupId);
            Assert.NotNull(r.End);
            Assert.True(r.Duration >= TimeSpan.Zero);
            Assert.Equal("/var/log/deploy.log", r.LogPath);
            Assert.Equal(new[] { PhaseStatus.Succeeded, PhaseStatus.Skipped, PhaseStatus.Failed }, r.Phases.Select(p => p.Status));
            Assert.Equal("backup", r.LastCompletedPhase);
            Assert.DoesNotContain("s3cr3t-value-xyz", r.Phases[0].Detail);
            Assert.Contains("***", r.Phases[0].Detail);
        }
        Assert.DoesNotContain("s3cr3t", string.Join("\n", (await store.ReadJournalAsync(record.Id, CancellationToken.None)).Select(e => e.Detail)));
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_tracker_disposed_without_finishing_leaves_an_Interrupted_deployment_and_frees_the_lock()
    {
        await using var store = OpenStore();
        string id;
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start(), CancellationToken.None))
        {
            id = tracker.Id;
            await tracker.PhaseStartedAsync("deploy", CancellationToken.None);
        }
        var record = (await store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(DeploymentOutcome.Interrupted, record.Outcome);
        Assert.Equal(PhaseStatus.Interrupted, record.Phases.Single().Status);
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
    }

    [Fact]
    public async Task History_is_newest_first_filtered_by_status_and_limited_and_other_applications_are_not_shown()
    {
        await using var store = OpenStore();
        var outcomes = new[] { DeploymentOutcome.Succeeded, DeploymentOutcome.Failed, DeploymentOutcome.Succeeded, DeploymentOutcome.RolledBack };
        var ids = new List<string>();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (var i = 0; i < outcomes.Length; i++)
        {
            var id = DeploymentIds.New(t0.AddMinutes(i));
            await using var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start($"v{i}", id), CancellationToken.None);
            await tracker.FinishAsync(outcomes[i], null, CancellationToken.None);
            ids.Add(id);
        }
        await using (var other = OpenStore(app: "billing"))
        await using (var tracker = await DeploymentTracker.StartAsync(other, StateTest.Start("b1"), CancellationToken.None))
            await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);

        var all = await store.ListAsync(new HistoryQuery(), CancellationToken.None);
        Assert.Equal(new[] { "v3", "v2", "v1", "v0" }, all.Select(r => r.Version));
        var last2 = await store.ListAsync(new HistoryQuery { Last = 2 }, CancellationToken.None);
        Assert.Equal(new[] { "v3", "v2" }, last2.Select(r => r.Version));
        var succeeded = await store.ListAsync(new HistoryQuery { Outcomes = new[] { DeploymentOutcome.Succeeded } }, CancellationToken.None);
        Assert.Equal(new[] { "v2", "v0" }, succeeded.Select(r => r.Version));
        var lastFailed = await store.ListAsync(new HistoryQuery { Last = 1, Outcomes = new[] { DeploymentOutcome.Failed, DeploymentOutcome.RolledBack } }, CancellationToken.None);
        Assert.Equal("v3", Assert.Single(lastFailed).Version);
        Assert.Null(await store.GetAsync(ids[0] + "x", CancellationToken.None));
    }

    [Fact]
    public async Task Breaking_a_live_lock_needs_force_and_the_old_holder_then_learns_it_lost_the_lock()
    {
        await using var store = OpenStore();
        var notHeld = await Assert.ThrowsAsync<DeployOpsException>(() => store.BreakLockAsync(force: true, CancellationToken.None));
        Assert.Equal(ErrorIds.LockNotHeld, notHeld.ErrorId);

        await using var holder = await DeploymentTracker.StartAsync(store, StateTest.Start(), CancellationToken.None);
        var refused = await Assert.ThrowsAsync<DeployOpsException>(() => store.BreakLockAsync(force: false, CancellationToken.None));
        Assert.Equal(ErrorIds.LockNotStale, refused.ErrorId);
        await holder.PhaseStartedAsync("still-mine", CancellationToken.None);

        var broken = await store.BreakLockAsync(force: true, CancellationToken.None);
        Assert.Equal(holder.Id, broken.DeploymentId);
        var lost = await Assert.ThrowsAsync<DeployOpsException>(() => holder.PhaseStartedAsync("after-break", CancellationToken.None));
        Assert.Equal(ErrorIds.LockNotHeld, lost.ErrorId);

        await using var store2 = OpenStore();
        await using var next = await store2.AcquireLockAsync("next-one", CancellationToken.None);
        Assert.Equal("next-one", (await store2.GetLockAsync(CancellationToken.None))!.DeploymentId);
    }

    [Fact]
    public async Task A_lock_older_than_the_ttl_is_reported_stale_and_can_be_broken_without_force()
    {
        await using var holderStore = OpenStore();
        await using var held = await holderStore.AcquireLockAsync("old-one", CancellationToken.None);
        await using var strict = OpenStore(lockTtl: TimeSpan.FromTicks(1));
        var info = (await strict.GetLockAsync(CancellationToken.None))!;
        Assert.True(info.IsStale);
        Assert.Contains("lockTtl", info.StaleReason);
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => strict.AcquireLockAsync("new-one", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentLocked, error.ErrorId);
        Assert.Contains("stale", error.Message);
        // A stale lock is broken without -Force (below): the hint must not ask for more than is needed.
        Assert.Contains("Unlock-Deployment (no -Force needed", error.Message);
        Assert.DoesNotContain("Unlock-Deployment -Force", error.Message);
        Assert.False((await holderStore.GetLockAsync(CancellationToken.None))!.IsStale);

        var broken = await strict.BreakLockAsync(force: false, CancellationToken.None);
        Assert.Equal("old-one", broken.DeploymentId);
        await using var mine = await strict.AcquireLockAsync("new-one", CancellationToken.None);
        Assert.Equal("new-one", mine.Holder.DeploymentId);
    }

    /// <summary>The OS (file) or the server (PostgreSQL) frees a dead holder's lock; allow it a moment.</summary>
    private protected static async Task<IDeploymentLock> WaitForLockAsync(IDeploymentStore store, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return await store.AcquireLockAsync(id, CancellationToken.None); }
            catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.DeploymentLocked && attempt < 100)
            {
                await Task.Delay(50);
            }
        }
    }

    private protected static async Task<DeploymentRecord> WaitForInterruptedAsync(IDeploymentStore store, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            var record = await store.GetAsync(id, CancellationToken.None);
            if (record?.Outcome == DeploymentOutcome.Interrupted || attempt >= 100) return record!;
            await Task.Delay(50);
        }
    }
}
