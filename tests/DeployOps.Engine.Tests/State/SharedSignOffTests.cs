using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.StateStore;

/// <summary>
/// Sign-off decisions in the shared PostgreSQL store: a denial from another "host" (its own configuration and state
/// directory) reaches the waiting one as a denial, and a deployops_approvals table created before denials existed
/// gets its <c>denied</c> column on first use, its old rows reading as approvals.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedSignOffTests : IDisposable
{
    private const string PasswordVariable = "DEPLOYOPS_TEST_SHARED_SIGNOFF_PW";
    private readonly PostgresFixture _pg;
    private readonly string _database;
    private readonly List<TempConfig> _hosts = new();

    public SharedSignOffTests(PostgresFixture pg)
    {
        _pg = pg;
        _database = pg.CreateDatabase();
        System.Environment.SetEnvironmentVariable(PasswordVariable, PostgresFixture.Password);
    }

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
    }

    /// <summary>A host's configuration: its own state directory, the shared store; the current user may sign off.</summary>
    private ConfigModel Host()
    {
        var secret = "${env:" + PasswordVariable + "}";
        var host = new TempConfig($"""
            application: shop
            environment: signoff
            state:
              store: postgres
              postgres:
                host: 127.0.0.1
                port: {_pg.Port}
                database: {_database}
                username: {PostgresFixture.User}
                password: {secret}
            deployment:
              approval:
                required: true
                approvers: [{OperatorIdentity.Current.User}]
            """);
        _hosts.Add(host);
        return ConfigLoader.Load(host.Path);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_denial_from_another_host_reaches_the_waiting_deployment_as_a_denial()
    {
        var deployer = Host();
        await using var waiting = CanaryApprovals.Open(deployer);
        var wait = waiting.WaitAsync("dep-s1", SignOffRequest.Gate, "Deploy 2.0 with Hotfix", TimeSpan.FromSeconds(60), CancellationToken.None);

        var other = Host();
        await using (var seen = CanaryApprovals.Open(other))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await seen.PendingAsync("dep-s1", CancellationToken.None) is null && !wait.IsCompleted && DateTime.UtcNow < deadline)
                await Task.Delay(50);
        }
        var denial = await ApprovalCommands.DenyAsync(other, "dep-s1", "freeze for the audit", new RecordingSink(), CancellationToken.None);
        var received = await wait.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(denial!.Denied);
        Assert.NotNull(received);
        Assert.True(received!.Denied);
        Assert.Equal("freeze for the audit", received.Reason);
        Assert.Equal(OperatorIdentity.Current.User, received.ApprovedBy);
        Assert.True(_pg.Scalar<bool>(_database, "SELECT denied FROM deployops_approvals WHERE deployment_id = 'dep-s1' AND kind = 'approved'"));
        Assert.False(Directory.Exists(Path.Combine(deployer.State.Directory, "approvals")));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_table_from_before_denials_gets_the_column_and_its_rows_stay_approvals()
    {
        _pg.Execute(_database, """
            CREATE TABLE deployops_approvals (
              deployment_id text NOT NULL, kind text NOT NULL CHECK (kind IN ('pending', 'approved')), gate text NOT NULL,
              application text NOT NULL, environment text NOT NULL, approved_by text NOT NULL, host text NOT NULL,
              at timestamptz NOT NULL, reason text, PRIMARY KEY (deployment_id, kind, gate));
            INSERT INTO deployops_approvals VALUES ('dep-old', 'approved', 'gate:25%', 'shop', 'signoff', 'carol', 'h', now(), 'ok');
            """);
        await using var approvals = CanaryApprovals.Open(Host());

        var old = await approvals.FindAsync("dep-old", "gate:25%", CancellationToken.None);

        Assert.NotNull(old);
        Assert.False(old!.Denied);
        Assert.Equal("carol", old.ApprovedBy);
        Assert.Equal(1L, _pg.Scalar<long>(_database,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'deployops_approvals' AND column_name = 'denied'"));
    }
}
