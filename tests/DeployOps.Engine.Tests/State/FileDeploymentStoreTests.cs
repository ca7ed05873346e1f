using System.Diagnostics;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

public sealed class FileDeploymentStoreTests : DeploymentStoreContract, IDisposable
{
    private readonly string _directory = ExternalProcess.TempDirectory("state");

    private protected override IDeploymentStore OpenStore(TimeSpan? lockTtl = null, string app = App) =>
        DeploymentStore.Open(StateSettings.ForDirectory(_directory, lockTtl), app, Env, StateTest.Redactor);

    protected override StateProbeProcess StartProbe(string mode, string id, int phases = 3) =>
        new(mode, _directory, App, Env, id, phases);

    private string LockFile => Path.Combine(_directory, "locks", $"{App}-{Env}.lock");

    [Fact]
    public async Task An_external_flock_on_the_lock_file_blocks_a_deployment_even_without_a_description()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
        using var flock = HoldWithFlock(LockFile);
        await using var store = OpenStore();
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("mine", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentLocked, error.ErrorId);
        Assert.Contains("did not describe itself", error.Message);
        Assert.NotNull(await store.GetLockAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_lock_whose_described_holder_is_a_dead_process_is_stale_and_Unlock_lets_the_next_deployment_in()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
        // The flock is held by some process (e.g. a child that inherited it) while the described holder is dead.
        using var flock = HoldWithFlock(LockFile);
        var deadPid = StateTest.DeadPid();
        File.WriteAllText(LockFile + ".json",
            $$"""{"application":"shop","environment":"prod","deploymentId":"ghost-1","owner":"alice","host":"{{Environment.MachineName}}","pid":{{deadPid}},"acquired":"{{DateTimeOffset.UtcNow:O}}"}""");
        await using var store = OpenStore();

        var info = (await store.GetLockAsync(CancellationToken.None))!;
        Assert.Equal("ghost-1", info.DeploymentId);
        Assert.Equal("alice", info.Owner);
        Assert.True(info.IsStale);
        Assert.Contains($"process {deadPid} no longer runs", info.StaleReason);

        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("mine", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentLocked, error.ErrorId);
        Assert.Contains("ghost-1 by alice@", error.Message);
        Assert.Contains("stale", error.Message);

        Assert.Equal("ghost-1", (await store.BreakLockAsync(force: false, CancellationToken.None)).DeploymentId);
        Assert.False(flock.HasExited); // the old flock is still held, on a file that is no longer the lock
        await using var mine = await store.AcquireLockAsync("mine", CancellationToken.None);
        Assert.Equal("mine", (await store.GetLockAsync(CancellationToken.None))!.DeploymentId);
    }

    [Fact]
    public async Task A_second_FileStream_in_the_same_process_cannot_take_a_held_lock_file()
    {
        await using var store = OpenStore();
        await using var held = await store.AcquireLockAsync("mine", CancellationToken.None);
        Assert.ThrowsAny<IOException>(() => new FileStream(LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose());
        // The holder's description stays readable by others while the lock is held.
        Assert.Contains("\"deploymentId\": \"mine\"", File.ReadAllText(LockFile + ".json"));
    }

    [Fact]
    public async Task A_torn_last_journal_line_is_ignored_and_the_next_append_starts_on_a_fresh_line()
    {
        await using var store = OpenStore();
        await using var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start(id: "torn-1"), CancellationToken.None);
        await tracker.PhaseStartedAsync("deploy", CancellationToken.None);
        await tracker.PhaseCompletedAsync("deploy", null, CancellationToken.None);
        var journal = Path.Combine(_directory, "deployments", "torn-1", "journal.jsonl");
        File.AppendAllText(journal, "{\"seq\":4,\"time\":\"2025-01-01T00:00:00Z\",\"kind\":\"PhaseSta");

        await using var reader = OpenStore();
        var events = await reader.ReadJournalAsync("torn-1", CancellationToken.None);
        Assert.Equal(JournalEventKind.PhaseCompleted, events[^1].Kind);
        var appended = await reader.AppendAsync("torn-1", new JournalEvent(JournalEventKind.PhaseStarted, "verify"), CancellationToken.None);
        Assert.Equal(4, appended.Sequence);
        events = await reader.ReadJournalAsync("torn-1", CancellationToken.None);
        Assert.Equal(("verify", 4L), (events[^1].Phase, events[^1].Sequence));
        Assert.Equal(5, File.ReadAllLines(journal).Length);
    }

    [Fact]
    public async Task The_journal_on_disk_after_kill_9_holds_only_complete_events_up_to_the_last_reported_phase()
    {
        using (var probe = StartProbe("deploy", "killed-1", phases: 50))
        {
            probe.WaitFor("completed phase-5");
            probe.KillHard();
        }
        var lines = File.ReadAllLines(Path.Combine(_directory, "deployments", "killed-1", "journal.jsonl"));
        // Every line but possibly a torn last one is a complete event; the reported phase is among them.
        await using var store = OpenStore();
        var events = await store.ReadJournalAsync("killed-1", CancellationToken.None);
        Assert.True(events.Count >= lines.Length - 1);
        Assert.Contains(events, e => e.Kind == JournalEventKind.PhaseCompleted && e.Phase == "phase-5");
        var record = (await store.GetAsync("killed-1", CancellationToken.None))!;
        Assert.Equal(DeploymentOutcome.Interrupted, record.Outcome);
        Assert.Equal(record.Phases.Last(p => p.Status == PhaseStatus.Succeeded).Name, record.LastCompletedPhase);
    }

    [Fact]
    public async Task A_finished_deployment_also_leaves_its_record_as_json_beside_its_journal()
    {
        await using var store = OpenStore();
        await using var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start("v5", "rec-1"), CancellationToken.None);
        await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);
        var json = File.ReadAllText(Path.Combine(_directory, "deployments", "rec-1", "record.json"));
        Assert.Contains("\"outcome\": \"Succeeded\"", json);
        Assert.Contains("\"version\": \"v5\"", json);
    }

    [Fact]
    public async Task Ids_that_could_escape_the_state_directory_are_refused()
    {
        await using var store = OpenStore();
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.GetAsync("../../etc", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentNotFound, error.ErrorId);
    }

    /// <summary>flock(1) from util-linux holds an exclusive flock on the file until disposed.</summary>
    private static HeldFlock HoldWithFlock(string path)
    {
        var flock = ExternalProcess.Require("apt-get install -y util-linux", "flock");
        var process = Process.Start(new ProcessStartInfo(flock, $"-x \"{path}\" -c \"echo held; exec sleep 60\"")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        Assert.Equal("held", process.StandardOutput.ReadLine());
        return new HeldFlock(process);
    }

    private sealed class HeldFlock(Process process) : IDisposable
    {
        public bool HasExited => process.HasExited;

        public void Dispose()
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            process.Dispose();
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }
}
