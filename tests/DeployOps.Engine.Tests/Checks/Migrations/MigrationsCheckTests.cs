using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Migrations;

[Collection(PostgresCollection.Name)]
public sealed class MigrationsCheckTests
{
    private static readonly Dictionary<string, string> Env = new() { ["PG_PASSWORD"] = PostgresFixture.Password };
    private readonly PostgresFixture _pg;

    public MigrationsCheckTests(PostgresFixture pg) => _pg = pg;

    private string Yaml(string database, string check = "") => $$"""
        postgres:
          url: postgres://{{PostgresFixture.User}}:${env:PG_PASSWORD}@127.0.0.1:{{_pg.Port}}/{{database}}
        checks:
          - name: migrations
            kind: migrations
            directory: db/migrations
        {{check}}
        """;

    private static void Files(TempConfig cfg, params string[] names)
    {
        var dir = Path.Combine(cfg.Directory, "db", "migrations");
        Directory.CreateDirectory(dir);
        foreach (var name in names) File.WriteAllText(Path.Combine(dir, name), "-- migration\n");
    }

    [Fact]
    public async Task Passes_when_every_file_is_recorded_and_fails_listing_the_new_one()
    {
        var db = _pg.CreateDatabase();
        _pg.Execute(db, "CREATE TABLE schema_migrations (version text PRIMARY KEY); INSERT INTO schema_migrations VALUES ('001_init'), ('002_users')");
        using var cfg = new TempConfig(OneCheck.Header + Yaml(db));
        Files(cfg, "001_init.sql", "002_users.sql", "README.md");

        var (passed, _, _) = await OneCheck.RunAsync(cfg, Env);
        Assert.Equal(CheckStatus.Passed, passed.Status);
        Assert.Equal(2, passed.Data["files"]);
        Assert.Equal(0, passed.Data["pendingCount"]);
        Assert.Contains("all 2 migration(s) applied", passed.Message);

        Files(cfg, "003_orders.sql");
        var (failed, _, _) = await OneCheck.RunAsync(cfg, Env);
        Assert.Equal(CheckStatus.Failed, failed.Status);
        Assert.Equal("1 of 3 migration(s) pending: 003_orders.sql", failed.Message);
        Assert.Equal(new[] { "003_orders.sql" }, (IEnumerable<string>)failed.Data["pending"]!);

        _pg.Execute(db, "INSERT INTO schema_migrations VALUES ('003_orders')");
        Assert.Equal(CheckStatus.Passed, (await OneCheck.RunAsync(cfg, Env)).Result.Status);
    }

    [Fact]
    public async Task A_missing_table_means_everything_is_pending_and_says_so()
    {
        var db = _pg.CreateDatabase();
        using var cfg = new TempConfig(OneCheck.Header + Yaml(db));
        Files(cfg, "001_init.sql", "002_users.sql");

        var (result, _, _) = await OneCheck.RunAsync(cfg, Env);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains($"table schema_migrations does not exist in {db}", result.Message);
        Assert.Contains("all 2 migration(s) are pending: 001_init.sql, 002_users.sql", result.Message);
        Assert.Equal(2, result.Data["pendingCount"]);
    }

    [Fact]
    public async Task IdPattern_matches_version_prefixes_against_a_custom_table_and_numeric_column()
    {
        var db = _pg.CreateDatabase();
        _pg.Execute(db, "CREATE SCHEMA app; CREATE TABLE app.applied (id bigint PRIMARY KEY); INSERT INTO app.applied VALUES (1), (20240101)");
        using var cfg = new TempConfig(OneCheck.Header + Yaml(db, """
                table: app.applied
                column: id
                pattern: "*.up.sql"
                idPattern: '^(\d+)_'
            """));
        // 0001 is stored as the number 1; the .down.sql file is not a migration of its own.
        Files(cfg, "0001_init.up.sql", "0001_init.down.sql", "20240101_add_users.up.sql", "20240202_add_orders.up.sql", "notes.up.sql");

        var (result, _, _) = await OneCheck.RunAsync(cfg, Env);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("1 of 3 migration(s) pending: 20240202_add_orders.up.sql", result.Message);
        Assert.Equal(new[] { "notes.up.sql" }, (IEnumerable<string>)result.Data["ignoredFiles"]!);
    }

    [Fact]
    public async Task A_missing_directory_fails_naming_it()
    {
        var db = _pg.CreateDatabase();
        using var cfg = new TempConfig(OneCheck.Header + Yaml(db));

        var (result, _, _) = await OneCheck.RunAsync(cfg, Env);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal($"migrations directory {Path.Combine(cfg.Directory, "db", "migrations")} does not exist", result.Message);
    }

    [Fact]
    public async Task A_wrong_column_is_named()
    {
        var db = _pg.CreateDatabase();
        _pg.Execute(db, "CREATE TABLE schema_migrations (id text)");
        using var cfg = new TempConfig(OneCheck.Header + Yaml(db));
        Files(cfg, "001_init.sql");

        var (result, _, _) = await OneCheck.RunAsync(cfg, Env);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("has no column 'version'", result.Message);
    }

    [Fact]
    public void An_idPattern_without_a_capture_group_is_a_configuration_error()
    {
        var errors = OneCheck.Validate($$"""
            postgres:
              database: shop
            checks:
              - name: m
                kind: migrations
                idPattern: '^\d+_'
              - name: n
                kind: migrations
                table: "a.b.c"
            """);
        Assert.Contains(errors, e => e.Path == "checks[0].idPattern" && e.Message.Contains("capture group"));
        Assert.Contains(errors, e => e.Path == "checks[1].table");
    }
}
