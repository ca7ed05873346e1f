using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Clients;

/// <summary>
/// One data source per database and use against a real PostgreSQL: asked for again it is the same object, pooled
/// connections stay open for reuse until ClearPools/Dispose close them, unpooled ones close with their connection.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDataSourcesTests
{
    private readonly PostgresFixture _pg;

    public PostgresDataSourcesTests(PostgresFixture pg) => _pg = pg;

    private long Sessions(string database, string application) => _pg.Scalar<long>("postgres",
        $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND application_name = '{application}'");

    private PostgresSettings Settings(string database, string application) =>
        PostgresSettings.FromConnectionString(_pg.ConnectionString(database) + $";Application Name={application};Pooling=true");

    [Fact]
    public async Task The_same_database_and_use_share_one_source_and_pooled_sessions_end_with_it()
    {
        var db = _pg.CreateDatabase();
        var app = "ds-test-" + Guid.NewGuid().ToString("N")[..8];
        using var sources = new PostgresDataSources();
        var settings = Settings(db, app);

        Assert.Same(sources.Pooled(settings), sources.Pooled(Settings(db, app)));
        Assert.Same(sources.Unpooled(settings), sources.Unpooled(settings));
        Assert.NotSame(sources.Pooled(settings), sources.Unpooled(settings));
        Assert.Equal(2, sources.Count);

        await using (var c = await sources.Pooled(settings).OpenConnectionAsync()) { }
        Assert.Equal(1, Sessions(db, app)); // idle in the pool, ready for the next statement (a backend is listed once connected)
        await using (var c = await sources.Unpooled(settings).OpenConnectionAsync()) { }
        await WaitForAsync(() => Sessions(db, app) == 1); // the unpooled one ends with its connection (the backend exits a moment later)

        sources.ClearPools();
        await WaitForAsync(() => Sessions(db, app) == 0);

        await using (var c = await sources.Pooled(settings).OpenConnectionAsync()) { }
        await WaitForAsync(() => Sessions(db, app) == 1);
        sources.Dispose();
        Assert.Equal(0, sources.Count);
        await WaitForAsync(() => Sessions(db, app) == 0);
    }

    // The server notices a closed socket asynchronously; poll for it within a bound rather than sleep.
    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(50, timeout.Token);
    }
}
