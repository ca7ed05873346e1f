using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Checks.Postgres;

/// <summary>Replication lag against a real streaming standby that applies WAL two seconds late.</summary>
public sealed class PostgresReplicationTests
{
    private static readonly Dictionary<string, string> Env = new() { ["PG_PASSWORD"] = PostgresFixture.Password };

    [Fact]
    public async Task A_replica_lagging_beyond_maxReplicationLag_fails_and_within_it_passes()
    {
        using var primary = new PostgresFixture();
        var db = primary.CreateDatabase();
        using var replica = new PostgresReplicaFixture(primary, "replica1", applyDelay: TimeSpan.FromSeconds(2));
        primary.Execute(db, "CREATE TABLE ticks (at timestamptz DEFAULT now())");

        // Keep committing so the standby always has delayed WAL to replay and replay_lag stays measured.
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                primary.Execute(db, "INSERT INTO ticks DEFAULT VALUES");
                await Task.Delay(100);
            }
        });
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (primary.Scalar<double>(db, "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0)::float8 FROM pg_stat_replication") < 1)
            {
                Assert.True(DateTime.UtcNow < deadline, "the standby never reported a replay lag");
                await Task.Delay(200);
            }

            string Yaml(string maxLag) => $$"""
                checks:
                  - name: db
                    kind: postgres
                    url: postgres://{{PostgresFixture.User}}:${env:PG_PASSWORD}@127.0.0.1:{{primary.Port}}/{{db}}
                    warnLatency: 5s
                    maxReplicationLag: {{maxLag}}
                """;

            var (failed, _, _) = await OneCheck.RunAsync(Yaml("500ms"), Env);
            Assert.Equal(CheckStatus.Failed, failed.Status);
            Assert.Matches(@"replication lag [\d.]+s on replica1@127\.0\.0\.1 exceeds 500ms", failed.Message);
            var row = Assert.Single((IEnumerable<Dictionary<string, object?>>)failed.Data["replicas"]!);
            Assert.Equal("streaming", row["state"]);
            Assert.True((double)failed.Data["replicationLagSeconds"]! >= 1);

            var (passed, _, _) = await OneCheck.RunAsync(Yaml("5m"), Env);
            Assert.Equal(CheckStatus.Passed, passed.Status);
            Assert.Contains("1 replica(s), worst lag", passed.Message);
        }
        finally
        {
            stop.Cancel();
            await writer;
        }
    }
}
