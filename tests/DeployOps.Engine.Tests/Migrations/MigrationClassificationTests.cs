using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks.Migrations;
using DeployOps.Engine.Migrations;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Migrations;

/// <summary>
/// Every labelled fixture applied with psql to its own copy of the base schema on the real PostgreSQL, classified
/// from the catalog diff exactly as Invoke-Deployment does on its scratch copy; the table is printed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationClassificationTests
{
    private readonly PostgresFixture _pg;
    private readonly ITestOutputHelper _output;

    public MigrationClassificationTests(PostgresFixture pg, ITestOutputHelper output) => (_pg, _output) = (pg, output);

    [Fact(Timeout = 600_000)]
    public async Task Each_fixture_gets_its_expected_class_with_the_catalog_changes_that_made_it_so()
    {
        var fixtures = MigrationFixtures.All();
        Assert.True(fixtures.Count >= 25, $"{fixtures.Count} fixtures");
        Assert.Contains(fixtures, f => f.Expected == MigrationClass.Expand);
        Assert.Contains(fixtures, f => f.Expected == MigrationClass.Contract);
        var template = MigrationFixtures.CreateBase(_pg);
        var rows = new List<string> { "| fixture | expected | actual | changes |", "|---|---|---|---|" };
        var wrong = new List<string>();
        try
        {
            foreach (var (file, expected) in fixtures)
            {
                MigrationClassification actual;
                try
                {
                    actual = await ClassifyOneAsync(template, file);
                }
                catch (Hosting.DeployOpsException ex)
                {
                    rows.Add($"| {file} | {expected.ToString().ToLowerInvariant()} | did not apply | {ex.Message} |");
                    wrong.Add($"{file}: did not apply: {ex.Message}");
                    continue;
                }
                rows.Add($"| {file} | {expected.ToString().ToLowerInvariant()} | {actual.Class.ToString().ToLowerInvariant()} | " +
                         $"{(actual.Changes.Count == 0 ? "no catalog change" : string.Join("; ", actual.Changes))} |");
                if (actual.Class != expected) wrong.Add($"{file}: expected {expected}, got {actual.Class} ({string.Join("; ", actual.Changes)})");
                // A contract verdict always names its reasons; an expand one has none.
                Assert.Equal(actual.Class == MigrationClass.Contract, actual.Reasons.Count > 0);
            }
        }
        finally
        {
            _output.WriteLine(string.Join("\n", rows));
            _pg.Execute("postgres", $"DROP DATABASE IF EXISTS \"{template}\" WITH (FORCE)");
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {fixtures.Count} misclassified:\n" + string.Join("\n", wrong));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_contract_verdict_names_the_change_and_a_data_only_migration_changes_nothing()
    {
        var template = MigrationFixtures.CreateBase(_pg);
        try
        {
            var drop = await ClassifyOneAsync(template, "0101_drop_column.sql");
            var reason = Assert.Single(drop.Reasons);
            Assert.Equal(("column", "public.customers.legacy_code"), (reason.ObjectKind, reason.Name));
            Assert.Contains("dropped", reason.Change);

            var narrowed = await ClassifyOneAsync(template, "0107_narrow_varchar.sql");
            Assert.Contains("character varying(20) -> character varying(15)", Assert.Single(narrowed.Reasons).Change);

            var backfill = await ClassifyOneAsync(template, "0014_backfill_data_only.sql");
            Assert.Equal(MigrationClass.Expand, backfill.Class);
            Assert.Empty(backfill.Changes);
        }
        finally
        {
            _pg.Execute("postgres", $"DROP DATABASE IF EXISTS \"{template}\" WITH (FORCE)");
        }
    }

    /// <summary>The fixture alone in a migrations folder, applied to a fresh copy of the template (dropped afterwards).</summary>
    private async Task<MigrationClassification> ClassifyOneAsync(string template, string file)
    {
        var copy = "migcopy_" + Guid.NewGuid().ToString("N")[..10];
        _pg.Execute("postgres", $"CREATE DATABASE \"{copy}\" TEMPLATE \"{template}\"");
        using var folder = new TempConfig(MigrationFixtures.Yaml(_pg, copy, "migrations"));
        var migrations = Path.Combine(folder.Directory, "migrations");
        Directory.CreateDirectory(migrations);
        File.Copy(Path.Combine(MigrationFixtures.Directory, file), Path.Combine(migrations, file));
        try
        {
            var config = MigrationFixtures.Load(folder.Path);
            var source = MigrationSource.From(config)!;
            using var credentials = new PgCredentials(config.Postgres!);
            var scratch = new ScratchCopy(copy, config.Postgres!, credentials, TimeSpan.Zero);
            var psql = PgTools.Locate("psql", null, "psql");
            var result = await MigrationRehearsal.ApplyAllAsync(scratch, "fixture", psql, source, new RecordingSink(), CancellationToken.None);
            var one = Assert.Single(result.Migrations);
            Assert.Equal(file, one.File);
            Assert.Equal(MigrationFiles.Normalize(file.Split('_')[0]), MigrationFiles.Normalize(one.Id));
            return one;
        }
        finally
        {
            _pg.Execute("postgres", $"DROP DATABASE IF EXISTS \"{copy}\" WITH (FORCE)");
        }
    }
}
