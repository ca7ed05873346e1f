using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Strategies;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Rollback;

/// <summary>
/// A <see cref="DeploymentStage"/> (demo app behind real nginx) plus, optionally, its own database on the shared
/// PostgreSQL cluster with a schema_migrations table at head 20240101000000 and 20 customers. Versions ending in
/// "-migrating" run the migrate step: it creates the widgets table and records migration 20250101000000.
/// </summary>
internal sealed class RollbackStage : IDisposable
{
    public const string PasswordVariable = "ROLLBACK_TEST_PG_PASSWORD";
    public const string HeadBefore = "20240101000000";
    public const string NewMigration = "20250101000000";

    public const string MigrateStep = """
        migrate:
          - name: add widgets
            sql: "DO $$ BEGIN IF '{version}' LIKE '%-migrating' THEN CREATE TABLE widgets (id int PRIMARY KEY, name text); INSERT INTO widgets VALUES (1, 'w1'); INSERT INTO schema_migrations VALUES ('20250101000000'); END IF; END $$"
        """;

    private readonly PostgresFixture? _pg;

    public RollbackStage(PostgresFixture? pg = null, int instances = 0, string extraSteps = "", string extraDeployment = "", string extraRoot = "",
        string? smoke = null, string? verify = null)
    {
        // extraSteps continue deployment.steps (the stage's last key), then extraDeployment continues deployment.
        var extra = YamlText.Indent(extraSteps, "  ") + (extraDeployment.Length > 0 ? "\n" + extraDeployment : "");
        Stage = new DeploymentStage(instances, extraDeployment: extra, smoke: smoke, verify: verify);
        var root = extraRoot;
        if (pg is not null)
        {
            _pg = pg;
            Database = pg.CreateDatabase();
            pg.Execute(Database, $"""
                CREATE TABLE schema_migrations (version text PRIMARY KEY);
                INSERT INTO schema_migrations VALUES ('20231201000000'), ('{HeadBefore}');
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
                INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 20) g;
                """);
            root = $$"""
                postgres:
                  host: 127.0.0.1
                  port: {{pg.Port}}
                  database: {{Database}}
                  username: {{PostgresFixture.User}}
                  password: ${env:{{PasswordVariable}}}
                backup:
                  commandTimeout: 30s
                """ + "\n" + extraRoot;
        }
        File.AppendAllText(Stage.ConfigPath, "\n" + root + "\n");
    }

    public DeploymentStage Stage { get; }
    public string? Database { get; }
    public string Directory => Stage.Directory;
    public string ProxyUrl => Stage.ProxyUrl;

    public ConfigModel Load() => ConfigLoader.Load(Stage.ConfigPath, name => name == PasswordVariable ? PostgresFixture.Password : null);

    public Task<Engine.State.DeploymentRecord?> DeployAsync(string version, DeploymentStrategy strategy, RecordingSink? sink = null,
        ICanaryGate? gate = null, bool hooks = true) =>
        DeploymentEngine.InvokeAsync(Load(), new DeploymentOptions
        {
            Version = version, Strategy = strategy, CanaryGate = gate, Hooks = hooks ? new StandardDeploymentHooks() : null,
        }, sink ?? new RecordingSink(), CancellationToken.None);

    /// <summary>Deploys and asserts the deployment succeeded (its error is the failure message).</summary>
    public async Task<Engine.State.DeploymentRecord> DeployOkAsync(string version, DeploymentStrategy strategy, ICanaryGate? gate = null)
    {
        var record = await DeployAsync(version, strategy, gate: gate);
        Assert.True(record!.Outcome == Engine.State.DeploymentOutcome.Succeeded, record.Error);
        return record;
    }

    public async Task<Engine.State.DeploymentRecord?> GetAsync(string id)
    {
        await using var store = Engine.State.DeploymentStore.Open(Load());
        return await store.GetAsync(id, CancellationToken.None);
    }

    public T? Scalar<T>(string sql) => _pg!.Scalar<T>(Database!, sql);

    public bool TableExists(string table) => Scalar<bool>($"SELECT to_regclass('{table}') IS NOT NULL");

    public string Migrations() => Scalar<string>("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations")!;

    public void Dispose()
    {
        Stage.Dispose();
        if (_pg is not null && Database is not null)
        {
            try { _pg.Execute("postgres", $"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)"); } catch (Npgsql.NpgsqlException) { }
        }
    }
}
