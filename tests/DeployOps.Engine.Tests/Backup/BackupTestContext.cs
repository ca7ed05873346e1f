using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Backup;

/// <summary>A fresh database on the shared cluster plus a deployops.yaml for it, with the password behind ${env:…}.</summary>
internal sealed class BackupTestContext : IDisposable
{
    public const string PasswordVariable = "BACKUP_TEST_PG_PASSWORD";

    private readonly TempConfig _config;

    public BackupTestContext(PostgresFixture pg, string backupSection = "")
    {
        Pg = pg;
        Database = pg.CreateDatabase();
        pg.Execute(Database, """
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
            CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric(10,2), note text);
            CREATE TABLE schema_migrations (version text PRIMARY KEY);
            INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 50) g;
            INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 50, g * 1.25, 'order ' || g FROM generate_series(1, 500) g;
            INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240301000000');
            """);
        _config = new TempConfig($$"""
            application: shop
            environment: test
            postgres:
              host: 127.0.0.1
              port: {{pg.Port}}
              database: {{Database}}
              username: {{PostgresFixture.User}}
              password: ${env:BACKUP_TEST_PG_PASSWORD}
            backup:
              commandTimeout: 20s
              {{Indent(backupSection)}}
            """);
        Config = ConfigLoader.Load(_config.Path, name => name == PasswordVariable ? PostgresFixture.Password : null);
        Manager = new BackupManager(Config);
    }

    public PostgresFixture Pg { get; }
    public string Database { get; }
    public string ConfigDirectory => _config.Directory;
    public ConfigModel Config { get; }
    public BackupManager Manager { get; }

    /// <summary>Every row of the application's tables as text, for "nothing lost, nothing extra" comparisons.</summary>
    public string Snapshot() => Pg.Scalar<string>(Database, """
        SELECT (SELECT coalesce(string_agg(c::text, '|' ORDER BY id), '') FROM customers c) || '#' ||
               (SELECT coalesce(string_agg(o::text, '|' ORDER BY id), '') FROM orders o) || '#' ||
               (SELECT coalesce(string_agg(version, '|' ORDER BY version), '') FROM schema_migrations)
        """)!;

    public long Count(string table) => Pg.Scalar<long>(Database, $"SELECT count(*) FROM {table}");

    public bool DatabaseExists(string name) =>
        Pg.Scalar<bool>("postgres", $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')");

    public void Dispose()
    {
        _config.Dispose();
        try { Pg.Execute("postgres", $"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)"); } catch (Npgsql.NpgsqlException) { }
    }

    private static string Indent(string section) =>
        string.Join("\n", section.Split('\n').Select((l, i) => i == 0 ? l : "  " + l));
}
