using DeployOps.Engine.Backup;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Migrations;

/// <summary>
/// The labelled migration fixtures: Fixtures/*.sql, each starting with "-- expect: expand|contract", all written
/// against Fixtures/base-schema.sql.txt (a shop with data, an enum, a view and a function).
/// </summary>
internal static class MigrationFixtures
{
    public static string Directory => Path.Combine(RepositoryPaths.Root, "tests", "DeployOps.Engine.Tests", "Migrations", "Fixtures");

    public static string BaseSchema => File.ReadAllText(Path.Combine(Directory, "base-schema.sql.txt"));

    public static IReadOnlyList<(string File, MigrationClass Expected)> All() =>
        System.IO.Directory.GetFiles(Directory, "*.sql").Order(StringComparer.Ordinal).Select(path =>
        {
            var first = File.ReadLines(path).First();
            const string prefix = "-- expect: ";
            Assert.True(first.StartsWith(prefix, StringComparison.Ordinal), $"{path}:1 must say '{prefix}expand|contract'");
            return (Path.GetFileName(path), Enum.Parse<MigrationClass>(first[prefix.Length..].Trim(), ignoreCase: true));
        }).ToList();

    /// <summary>A database holding the base schema and its data (a template for per-fixture copies).</summary>
    public static string CreateBase(PostgresFixture pg)
    {
        var db = pg.CreateDatabase("migbase_" + Guid.NewGuid().ToString("N")[..10]);
        pg.Execute(db, BaseSchema);
        return db;
    }

    /// <summary>A deployops.yaml for <paramref name="database"/> with a classifying migrations check on <paramref name="migrations"/>.</summary>
    public static string Yaml(PostgresFixture pg, string database, string migrations, string extra = "") => $$"""
        application: shop
        environment: test
        postgres:
          host: 127.0.0.1
          port: {{pg.Port}}
          database: {{database}}
          username: {{PostgresFixture.User}}
          password: ${env:MIGRATION_TEST_PG_PASSWORD}
        backup:
          commandTimeout: 30s
        checks:
          - name: migrations
            kind: migrations
            timeout: 60s
            directory: {{migrations}}
            idPattern: '^(\d+)_'
            classify: true
        {{extra}}
        """;

    public static Engine.Configuration.ConfigModel Load(string path) =>
        Engine.Configuration.ConfigLoader.Load(path, name => name == "MIGRATION_TEST_PG_PASSWORD" ? PostgresFixture.Password : null);
}
