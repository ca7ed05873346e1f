using DeployOps.Engine.Backup;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Rollback;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Migrations;

/// <summary>
/// Deployments that migrate (real PostgreSQL, nginx and demo-app processes) with a classifying migrations check: the
/// classification is recorded before migrate runs, and decides whether a code-only rollback may cross it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClassifiedRollbackTests
{
    private const string Migration = RollbackStage.NewMigration;
    private readonly PostgresFixture _pg;

    public ClassifiedRollbackTests(PostgresFixture pg) => _pg = pg;

    /// <summary>A stage whose "-migrating" versions run <paramref name="ddl"/>, which is also the pending migration file.</summary>
    private static RollbackStage Stage(PostgresFixture pg, string ddl)
    {
        var step = $"""
            migrate:
              - name: migrate
                sql: "DO $$ BEGIN IF '{"{version}"}' LIKE '%-migrating' THEN {ddl} INSERT INTO schema_migrations VALUES ('{Migration}'); END IF; END $$"
            """;
        var stage = new RollbackStage(pg, extraSteps: step, extraRoot: """
            checks:
              - name: migrations
                kind: migrations
                timeout: 120s
                idPattern: '^(\d+)_'
                classify: true
            """);
        var folder = Path.Combine(stage.Directory, "migrations");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "20231201000000_init.sql"), "SELECT 1;\n");
        File.WriteAllText(Path.Combine(folder, $"{RollbackStage.HeadBefore}_customers.sql"), "SELECT 1;\n");
        File.WriteAllText(Path.Combine(folder, $"{Migration}_change.sql"), ddl + "\n");
        return stage;
    }

    [Fact(Timeout = 280_000)]
    public async Task An_expand_migration_is_classified_before_it_runs_and_a_code_only_rollback_across_it_proceeds()
    {
        using var stage = Stage(_pg, "CREATE TABLE widgets (id int PRIMARY KEY, name text);");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.Hotfix);
        var sink = new RecordingSink();
        var bad = await stage.DeployAsync("2.0.0-migrating", DeploymentStrategy.Hotfix, sink);
        Assert.True(bad!.Outcome == DeploymentOutcome.Succeeded, bad.Error);
        Assert.Equal($"{Migration}:expand", bad.MigrationClasses);
        Assert.Contains(sink.Verbose, v => v.Contains($"{Migration}_change.sql: expand", StringComparison.Ordinal));

        sink = new RecordingSink();
        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { NoBackup = true }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(new[] { Migration }, result.MigrationsCrossed);
        Assert.True(stage.TableExists("widgets"), "a code-only rollback keeps the expanded schema");
        Assert.Contains(sink.Warnings, w => w.Contains("classified expand on a scratch copy", StringComparison.Ordinal));
        var audit = await File.ReadAllTextAsync(Path.Combine(stage.Directory, ".deployops", "audit.jsonl"));
        Assert.Contains("\"Expand\"", audit);
        Assert.Contains("classify migrations", audit);
        var counts = await stage.Stage.Proxy.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 20, NginxStage.Show(counts));
    }

    [Fact(Timeout = 280_000)]
    public async Task A_contract_migration_is_warned_about_at_deployment_and_the_code_only_rollback_is_refused_naming_it()
    {
        using var stage = Stage(_pg, "ALTER TABLE customers DROP COLUMN name;");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.Hotfix);
        var sink = new RecordingSink();
        var bad = await stage.DeployAsync("2.0.0-migrating", DeploymentStrategy.Hotfix, sink);
        Assert.True(bad!.Outcome == DeploymentOutcome.Succeeded, bad.Error);
        Assert.Equal($"{Migration}:contract", bad.MigrationClasses);
        Assert.Contains(sink.Warnings, w => w.Contains("public.customers.name dropped", StringComparison.Ordinal) && w.Contains("-IncludeDatabase", StringComparison.Ordinal));

        sink = new RecordingSink();
        var refused = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { NoBackup = true }, sink, CancellationToken.None);

        Assert.Equal(RollbackStatus.Failed, refused!.Status);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.RollbackCrossesMigration, error.ErrorId);
        Assert.Contains($"Classified contract on a scratch copy before they ran: {Migration}", error.Message);
        Assert.Equal(DeploymentOutcome.Succeeded, (await stage.GetAsync(bad.Id))!.Outcome);

        // compatibleMigrations stays the manual override.
        File.AppendAllText(stage.Stage.ConfigPath, $"\nrollback:\n  compatibleMigrations: [\"{Migration}\"]\n");
        sink = new RecordingSink();
        var overridden = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { NoBackup = true }, sink, CancellationToken.None);
        Assert.True(overridden!.Status == RollbackStatus.Succeeded, overridden.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Contains(sink.Warnings, w => w.Contains("declared backward-compatible", StringComparison.Ordinal));
    }

    [Fact(Timeout = 280_000)]
    public async Task A_migration_that_fails_on_the_copy_stops_the_deployment_before_anything_is_deployed_and_WhatIf_shows_the_classes()
    {
        using var stage = Stage(_pg, "CREATE TABLE widgets (id int PRIMARY KEY);");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.Hotfix);

        // -WhatIf: the plan, then the classification on a copy of the newest verified backup.
        var whatIf = new RecordingSink((_, _) => false) { IsDryRun = true };
        Assert.Null(await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions
        {
            Version = "2.0.0-migrating", Strategy = DeploymentStrategy.Hotfix, Hooks = new StandardDeploymentHooks(),
        }, whatIf, CancellationToken.None));
        Assert.NotEmpty(whatIf.RecordsOf<DeploymentPlanItem>());
        Assert.Equal($"{Migration}:expand", Assert.Single(whatIf.RecordsOf<MigrationClassification>()).Label);
        Assert.False(stage.TableExists("widgets"));

        File.WriteAllText(Path.Combine(stage.Directory, "migrations", $"{Migration}_change.sql"), "CREATE TABLE widgets (id int PRIMARY KEY);\nALTER TABLE nope ADD x int;\n");
        // The pre-checks rehearse on the newest verified backup and stop it first …
        var sink = new RecordingSink();
        var failed = await stage.DeployAsync("2.0.0-migrating", DeploymentStrategy.Hotfix, sink);
        Assert.Equal(DeploymentOutcome.Failed, failed!.Outcome);
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.PreDeploymentCheckFailed && e.Message.Contains($"{Migration}_change.sql:2: ERROR:", StringComparison.Ordinal));

        // … and without them, before-deploy rehearses on the fresh pre-deployment backup, before migrate runs.
        sink = new RecordingSink();
        failed = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions
        {
            Version = "2.0.0-migrating", Strategy = DeploymentStrategy.Hotfix, Hooks = new StandardDeploymentHooks(), SkipPreChecks = true,
        }, sink, CancellationToken.None);
        Assert.Equal(DeploymentOutcome.Failed, failed!.Outcome);
        Assert.Contains(sink.Errors, e => e.ErrorId == ErrorIds.MigrationRehearsalFailed && e.Message.Contains($"{Migration}_change.sql:2: ERROR:", StringComparison.Ordinal));
        Assert.DoesNotContain(failed.Phases, p => p.Name == "migrate" || p.Name.StartsWith("hotfix:", StringComparison.Ordinal));
        Assert.Contains(failed.Phases, p => p.Name == "before-deploy" && p.Status == PhaseStatus.Failed);
        Assert.False(stage.TableExists("widgets"));
        Assert.Equal("20231201000000," + RollbackStage.HeadBefore, stage.Migrations());
        var counts = await stage.Stage.Proxy.CountVersionsAsync(10);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 10, NginxStage.Show(counts));
    }
}
