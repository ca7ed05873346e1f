using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Npgsql;

namespace DeployOps.Engine.Tests.Checks.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresCheckTests
{
    private static readonly Dictionary<string, string> Env = new() { ["PG_PASSWORD"] = PostgresFixture.Password };
    private readonly PostgresFixture _pg;

    public PostgresCheckTests(PostgresFixture pg) => _pg = pg;

    private static string TopLevel(int port, string database, string check) => $$"""
        postgres:
          host: 127.0.0.1
          port: {{port}}
          database: {{database}}
          username: {{PostgresFixture.User}}
          password: ${env:PG_PASSWORD}
        checks:
          - name: db
            kind: postgres
        {{check}}
        """;

    [Fact]
    public async Task Passes_with_latency_version_and_connection_count_from_the_top_level_database()
    {
        var db = _pg.CreateDatabase();
        var (result, _, _) = await OneCheck.RunAsync(TopLevel(_pg.Port, db, "    warnLatency: 5s"), Env);

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Database", result.Category);
        Assert.Equal($"127.0.0.1:{_pg.Port}/{db}", result.Target);
        Assert.Equal(_pg.Scalar<string>(db, "SHOW server_version"), result.Data["serverVersion"]);
        Assert.IsType<double>(result.Data["latencyMs"]);
        Assert.Equal(0L, result.Data["connections"]);
        Assert.Contains("answered SELECT 1", result.Message);
        Assert.DoesNotContain(PostgresFixture.Password, result.Message);
    }

    [Fact]
    public async Task Latency_above_warnLatency_is_a_warning()
    {
        var db = _pg.CreateDatabase();
        // One microsecond: no real round-trip is that fast, so the warning is certain.
        var (result, _, _) = await OneCheck.RunAsync(TopLevel(_pg.Port, db, "    warnLatency: 0.001ms"), Env);

        Assert.Equal(CheckStatus.Warning, result.Status);
        Assert.Contains("above 0ms", result.Message);
    }

    [Fact]
    public async Task Wrong_password_fails_as_authentication_failed_without_showing_the_password()
    {
        var db = _pg.CreateDatabase();
        const string wrong = "definitely-wrong-pw-91";
        var yaml = $$"""
            checks:
              - name: db
                kind: postgres
                url: postgres://{{PostgresFixture.User}}:${env:WRONG_PW}@127.0.0.1:{{_pg.Port}}/{{db}}
            """;
        var (result, _, sink) = await OneCheck.RunAsync(yaml, new Dictionary<string, string> { ["WRONG_PW"] = wrong });

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("authentication failed", result.Message);
        Assert.Contains($"'{PostgresFixture.User}'", result.Message);
        Assert.DoesNotContain(wrong, result.Message);
        Assert.DoesNotContain(wrong, result.Target);
        Assert.DoesNotContain(wrong, sink.AllText());
    }

    [Fact]
    public async Task Stopped_server_fails_as_connection_refused()
    {
        using var own = new PostgresFixture();
        var db = own.CreateDatabase();
        own.Stop();

        var (result, _, _) = await OneCheck.RunAsync(TopLevel(own.Port, db, ""), Env);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains($"cannot connect to PostgreSQL at 127.0.0.1:{own.Port}", result.Message);
        Assert.Contains("connection refused", result.Message);
    }

    [Fact]
    public async Task Too_many_connections_to_the_database_fail_and_a_warning_level_warns()
    {
        var db = _pg.CreateDatabase();
        var held = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var c = new NpgsqlConnection(_pg.ConnectionString(db));
                c.Open();
                held.Add(c);
            }
            var (failed, _, _) = await OneCheck.RunAsync(TopLevel(_pg.Port, db, "    warnLatency: 5s\n    maxActiveConnections: 2"), Env);
            Assert.Equal(CheckStatus.Failed, failed.Status);
            Assert.Equal(3L, failed.Data["connections"]);
            Assert.Contains("3 other connection(s)", failed.Message);
            Assert.Contains("above the limit of 2", failed.Message);

            var (warned, _, _) = await OneCheck.RunAsync(
                TopLevel(_pg.Port, db, "    warnLatency: 5s\n    maxActiveConnections: 5\n    warnActiveConnections: 2"), Env);
            Assert.Equal(CheckStatus.Warning, warned.Status);
            Assert.Contains("above the warning level of 2", warned.Message);

            var (passed, _, _) = await OneCheck.RunAsync(TopLevel(_pg.Port, db, "    warnLatency: 5s\n    maxActiveConnections: 3"), Env);
            Assert.Equal(CheckStatus.Passed, passed.Status);
        }
        finally
        {
            foreach (var c in held) c.Dispose();
        }
    }

    [Fact]
    public async Task Replication_lag_without_replicas_passes_and_says_so()
    {
        var db = _pg.CreateDatabase();
        var (result, _, _) = await OneCheck.RunAsync(TopLevel(_pg.Port, db, "    warnLatency: 5s\n    maxReplicationLag: 10s"), Env);

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Contains("no replicas attached", result.Message);
        Assert.Empty((System.Collections.IEnumerable)result.Data["replicas"]!);
    }

    [Fact]
    public async Task Target_shows_host_port_and_database_but_never_the_password()
    {
        var db = _pg.CreateDatabase();
        var yaml = $$"""
            checks:
              - name: db
                kind: postgres
                warnLatency: 5s
                url: postgres://{{PostgresFixture.User}}:${env:PG_PASSWORD}@127.0.0.1:{{_pg.Port}}/{{db}}
              - name: db2
                kind: postgres
                warnLatency: 5s
                connectionString: Host=127.0.0.1;Port={{_pg.Port}};Database={{db}};Username={{PostgresFixture.User}};Password=${env:PG_PASSWORD}
            """;
        using var cfg = new TempConfig(OneCheck.Header + yaml);
        var config = ConfigLoader.Load(cfg.Path, n => Env.GetValueOrDefault(n));
        Assert.All(config.Checks, c => Assert.Equal($"127.0.0.1:{_pg.Port}/{db}", c.Target));

        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), new RecordingSink(), CancellationToken.None);
        Assert.All(report.Results, r =>
        {
            Assert.Equal(CheckStatus.Passed, r.Status);
            Assert.DoesNotContain(PostgresFixture.Password, r.Target + r.Message);
        });
    }

    [Fact]
    public void A_literal_password_in_the_check_url_is_refused_and_a_missing_database_is_named()
    {
        var errors = OneCheck.Validate("""
            checks:
              - name: db
                kind: postgres
                url: postgres://app:hunter2-literal@127.0.0.1:5432/shop
              - name: nodb
                kind: postgres
            """);
        Assert.Contains(errors, e => e.Path == "checks[0].url" && e.Message.Contains("reference"));
        Assert.Contains(errors, e => e.Path == "checks[1]" && e.Message.Contains("top-level 'postgres:'"));
    }
}
