using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.StateStore;

/// <summary>
/// Canary approvals with state.store: postgres live in deployops_approvals: two "hosts" (configurations with their
/// own state directories) sharing one PostgreSQL store see the same pending gate, and either can approve it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedApprovalTests : IDisposable
{
    private const string PasswordVariable = "DEPLOYOPS_TEST_SHARED_APPROVALS_PW";
    private readonly PostgresFixture _pg;
    private readonly string _database;
    private readonly List<TempConfig> _hosts = new();

    public SharedApprovalTests(PostgresFixture pg)
    {
        _pg = pg;
        _database = pg.CreateDatabase();
        System.Environment.SetEnvironmentVariable(PasswordVariable, PostgresFixture.Password);
    }

    /// <summary>A host's configuration: its own state directory, the shared store.</summary>
    private ConfigModel Host()
    {
        var secret = "${env:" + PasswordVariable + "}";
        var host = new TempConfig($"""
            application: shop
            environment: test
            state:
              store: postgres
              postgres:
                host: 127.0.0.1
                port: {_pg.Port}
                database: {_database}
                username: {PostgresFixture.User}
                password: {secret}
            """);
        _hosts.Add(host);
        return ConfigLoader.Load(host.Path);
    }

    [Fact]
    public async Task A_gate_waiting_on_one_host_is_approved_from_another_host_with_its_own_state_directory()
    {
        var deployer = Host();
        var other = Host();
        Assert.NotEqual(deployer.State.Directory, other.State.Directory);
        await using var waiting = CanaryApprovals.Open(deployer);
        var wait = waiting.WaitAsync("dep-1", "gate:50%", "only 3 requests reached green", TimeSpan.FromSeconds(60), CancellationToken.None);

        await using var seen = CanaryApprovals.Open(other);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        DeploymentApproval? pending;
        while ((pending = await seen.PendingAsync("dep-1", CancellationToken.None)) is null && !wait.IsCompleted && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.NotNull(pending);
        Assert.Equal("gate:50%", pending!.Gate);
        Assert.Equal("only 3 requests reached green", pending.Reason);

        var approval = await DeploymentEngine.ApproveAsync(other, "dep-1", "dashboard looks fine", new RecordingSink(), CancellationToken.None);
        var received = await wait.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(received);
        Assert.Equal(approval!.ApprovedBy, received!.ApprovedBy);
        Assert.Equal("dashboard looks fine", received.Reason);
        Assert.Null(await seen.PendingAsync("dep-1", CancellationToken.None));
        Assert.Equal(1L, _pg.Scalar<long>(_database, "SELECT count(*) FROM deployops_approvals WHERE deployment_id = 'dep-1' AND kind = 'approved'"));
        // Nothing went to either host's state directory.
        Assert.False(Directory.Exists(Path.Combine(deployer.State.Directory, "approvals")));
        Assert.False(Directory.Exists(Path.Combine(other.State.Directory, "approvals")));
    }

    [Fact]
    public async Task An_unanswered_gate_times_out_clears_its_pending_row_and_is_then_not_approvable()
    {
        var deployer = Host();
        await using var waiting = CanaryApprovals.Open(deployer);

        var result = await waiting.WaitAsync("dep-2", "gate:5%", "inconclusive", TimeSpan.FromMilliseconds(300), CancellationToken.None);

        Assert.Null(result);
        Assert.Equal(0L, _pg.Scalar<long>(_database, "SELECT count(*) FROM deployops_approvals WHERE deployment_id = 'dep-2'"));
        var refused = await Assert.ThrowsAsync<DeployOpsException>(() =>
            DeploymentEngine.ApproveAsync(Host(), "dep-2", null, new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.ApprovalNotPending, refused.ErrorId);
        Assert.Contains("deployops_approvals", refused.Message);
    }

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }
}
