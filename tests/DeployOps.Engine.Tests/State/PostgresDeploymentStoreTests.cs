using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

[Collection(PostgresCollection.Name)]
public sealed class PostgresDeploymentStoreTests : DeploymentStoreContract, IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly string _database;
    private readonly string _directory = ExternalProcess.TempDirectory("pgstate");

    public PostgresDeploymentStoreTests(PostgresFixture pg)
    {
        _pg = pg;
        _database = pg.CreateDatabase();
    }

    private string ConnectionString => _pg.ConnectionString(_database);

    private protected override IDeploymentStore OpenStore(TimeSpan? lockTtl = null, string app = App) =>
        DeploymentStore.Open(StateSettings.ForPostgres(_directory, PostgresSettings.FromConnectionString(ConnectionString), lockTtl),
            app, Env, StateTest.Redactor);

    protected override StateProbeProcess StartProbe(string mode, string id, int phases = 3) =>
        new(mode, _directory, App, Env, id, phases, ConnectionString);

    [Fact]
    public async Task Tables_are_created_on_first_use_and_hold_the_journal_history_and_lock_row()
    {
        await using var store = OpenStore();
        string id;
        await using (var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start(), CancellationToken.None))
        {
            id = tracker.Id;
            Assert.Equal(id, _pg.Scalar<string>(_database, "SELECT deployment_id FROM deployops_locks"));
            await tracker.PhaseStartedAsync("deploy", CancellationToken.None);
            await tracker.PhaseCompletedAsync("deploy", null, CancellationToken.None);
            await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);
        }
        Assert.Equal(4L, _pg.Scalar<long>(_database, $"SELECT count(*) FROM deployops_journal WHERE deployment_id = '{id}'"));
        Assert.Equal("Succeeded", _pg.Scalar<string>(_database, $"SELECT outcome FROM deployops_deployments WHERE id = '{id}'"));
        Assert.Equal(0L, _pg.Scalar<long>(_database, "SELECT count(*) FROM deployops_locks"));
        Assert.Equal(0L, _pg.Scalar<long>(_database, "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()"));
    }

    [Fact]
    public async Task A_lock_row_naming_a_dead_process_is_stale_and_unlocking_ends_the_holding_session()
    {
        await using var holderStore = OpenStore();
        await using var holder = await DeploymentTracker.StartAsync(holderStore, StateTest.Start(id: "ghost-pg"), CancellationToken.None);
        // As if the deploying process died while its session lingered (e.g. a pooler or a half-open connection).
        _pg.Execute(_database, $"UPDATE deployops_locks SET pid = {StateTest.DeadPid()}, process_start = NULL");

        await using var store = OpenStore();
        var info = (await store.GetLockAsync(CancellationToken.None))!;
        Assert.Equal("ghost-pg", info.DeploymentId);
        Assert.Contains("no longer runs", info.StaleReason);
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("mine", CancellationToken.None));
        Assert.Equal(ErrorIds.DeploymentLocked, error.ErrorId);
        Assert.Contains("ghost-pg", error.Message);
        Assert.Contains("stale", error.Message);
        Assert.Equal(DeploymentOutcome.Interrupted, (await store.GetAsync("ghost-pg", CancellationToken.None))!.Outcome);

        Assert.Equal("ghost-pg", (await store.BreakLockAsync(force: false, CancellationToken.None)).DeploymentId);
        var lost = await Assert.ThrowsAsync<DeployOpsException>(() => holder.PhaseStartedAsync("after", CancellationToken.None));
        Assert.Equal(ErrorIds.LockNotHeld, lost.ErrorId);
        await using var mine = await store.AcquireLockAsync("mine", CancellationToken.None);
        Assert.Equal("mine", (await store.GetLockAsync(CancellationToken.None))!.DeploymentId);
    }

    [Fact]
    public async Task Different_applications_lock_independently_in_one_database()
    {
        await using var shop = OpenStore();
        await using var billing = OpenStore(app: "billing");
        await using var a = await shop.AcquireLockAsync("shop-1", CancellationToken.None);
        await using var b = await billing.AcquireLockAsync("billing-1", CancellationToken.None);
        Assert.Equal("billing-1", (await billing.GetLockAsync(CancellationToken.None))!.DeploymentId);
        Assert.Equal("shop-1", (await shop.GetLockAsync(CancellationToken.None))!.DeploymentId);
    }

    [Fact]
    public async Task An_unreachable_database_is_reported_as_StateStoreUnavailable_without_its_password()
    {
        var settings = PostgresSettings.FromConnectionString(
            $"Host=127.0.0.1;Port={FreePort.Next()};Database=x;Username=u;Password=s3cr3t-value-xyz;Timeout=2");
        await using var store = DeploymentStore.Open(StateSettings.ForPostgres(_directory, settings), App, Env, StateTest.Redactor);
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("x", CancellationToken.None));
        Assert.Equal(ErrorIds.StateStoreUnavailable, error.ErrorId);
        Assert.DoesNotContain("s3cr3t", error.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }
}
