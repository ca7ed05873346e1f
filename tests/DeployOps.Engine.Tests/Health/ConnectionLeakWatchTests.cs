using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using Npgsql;

namespace DeployOps.Engine.Tests.Health;

/// <summary>"No connection leaks: connection pool stable" against a real PostgreSQL whose connections really grow.</summary>
public sealed class ConnectionLeakWatchTests
{
    [Fact]
    public async Task Connections_of_the_application_user_growing_by_more_than_ten_are_Investigate_on_connectionLeak()
    {
        using var postgres = new PostgresFixture();
        var database = postgres.CreateDatabase();
        using var file = HealthHarness.Config("interval: 300ms\n", "http://127.0.0.1:9",
            $"postgres:\n  url: postgres://{PostgresFixture.User}@127.0.0.1:{postgres.Port}/{database}\n  password: ${{env:HEALTH_LEAK_PGPASSWORD}}\n");
        Environment.SetEnvironmentVariable("HEALTH_LEAK_PGPASSWORD", PostgresFixture.Password);
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(60), Until = WatchUntil.Decision });
        await HealthHarness.WaitForSamplesAsync(sink, 2);
        Assert.All(sink.RecordsOf<HealthSample>(), s => Assert.Equal(0, s.Signals[HealthSignals.DbConnectionGrowth]));

        // The "application" leaks 12 connections on the same database as the same user.
        var leaked = new List<NpgsqlConnection>();
        try
        {
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = postgres.Port, Database = database, Username = PostgresFixture.User,
                Password = PostgresFixture.Password, Pooling = false,
            };
            for (var i = 0; i < 12; i++)
            {
                var c = new NpgsqlConnection(builder.ConnectionString);
                await c.OpenAsync();
                leaked.Add(c);
            }
            var decision = await watch.WaitAsync(TimeSpan.FromSeconds(60));
            var samples = sink.RecordsOf<HealthSample>().ToList();
            Assert.Equal((HealthVerdict.Investigate, "connectionLeak"), (decision.Verdict, decision.Rule));
            // The sample that saw the 11th or 12th connection decides (> 10).
            Assert.InRange(decision.Value!.Value, 11, 12);
            Assert.Equal(decision.Value, samples[^1].Signals[HealthSignals.DbConnections] - samples[0].Signals[HealthSignals.DbConnections]);
        }
        finally
        {
            foreach (var c in leaked) await c.DisposeAsync();
        }
    }
}
