using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Npgsql;

namespace DeployOps.Engine.Tests.Maintenance;

[Collection(PostgresCollection.Name)]
public sealed class PostgresDrainTests
{
    private readonly PostgresFixture _postgres;

    public PostgresDrainTests(PostgresFixture postgres) => _postgres = postgres;

    [Fact]
    public async Task Pg_stat_activity_count_falls_as_queries_finish_and_idle_sessions_do_not_count()
    {
        var db = _postgres.CreateDatabase();
        var idle = new List<NpgsqlConnection>();
        var busy = new List<(NpgsqlConnection Connection, Task Query)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var c = new NpgsqlConnection(_postgres.ConnectionString(db));
                await c.OpenAsync();
                idle.Add(c); // a pool's idle connections: open, doing nothing
            }
            // Open first, then start the five queries together: opened one by one on a loaded machine they started
            // (and so ended) up to a second apart, and a reading between two endings saw 1 — drained at threshold 2.
            var busyConnections = new List<NpgsqlConnection>();
            for (var i = 0; i < 5; i++)
            {
                var c = new NpgsqlConnection(_postgres.ConnectionString(db));
                await c.OpenAsync();
                busyConnections.Add(c);
            }
            foreach (var c in busyConnections) busy.Add((c, new NpgsqlCommand("SELECT pg_sleep(3)", c).ExecuteNonQueryAsync()));
            await Eventually.WaitAsync(() => Task.FromResult(_postgres.Scalar<long>(db,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()") >= 5), "5 active queries");

            using var cfg = new MaintenanceConfig($"""
                postgres:
                  host: 127.0.0.1
                  port: {_postgres.Port}
                  database: {db}
                  username: {PostgresFixture.User}
                  password: ${"{"}file:pgpass{"}"}
                maintenance:
                  flagFile: {"{"} path: MAINTENANCE_MODE {"}"}
                  drain: {"{"} source: postgres, threshold: 1, interval: 250ms, timeout: 30s {"}"}
                """, files: new Dictionary<string, string> { ["pgpass"] = PostgresFixture.Password });
            var sink = new RecordingSink();

            var state = await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions(), sink, default);

            Assert.Empty(sink.Errors);
            var drain = state.Drain!;
            Assert.Equal(DrainOutcome.Drained, drain.Outcome);
            var timeline = string.Join(", ", drain.Samples.Select(s => $"{s.Elapsed.TotalMilliseconds:0}ms: {s.Count?.ToString() ?? s.Error}"));
            Assert.True(drain.Samples[0].Count >= 5, $"first reading: {timeline}");
            // Threshold 1: drained means 0 — the three idle sessions are still open but hold no work.
            Assert.True(drain.LastCount == 0, timeline);
            Assert.All(idle, c => Assert.Equal(System.Data.ConnectionState.Open, c.State));
            Assert.Contains(db, drain.Source);
            Assert.DoesNotContain(PostgresFixture.Password, sink.AllText());
        }
        finally
        {
            foreach (var (c, q) in busy) { try { await q; } catch (NpgsqlException) { } await c.DisposeAsync(); }
            foreach (var c in idle) await c.DisposeAsync();
        }
    }
}
