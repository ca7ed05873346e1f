using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Rollback;

/// <summary>Rollback across a schema migration against real PostgreSQL, nginx and demo-app processes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationRollbackTests
{
    private readonly PostgresFixture _pg;

    public MigrationRollbackTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task Code_only_rollback_across_a_migration_is_refused_and_IncludeDatabase_restores_schema_and_data()
    {
        using var stage = new RollbackStage(_pg, extraSteps: RollbackStage.MigrateStep);
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.Hotfix);
        var snapshotBefore = stage.Scalar<string>("SELECT string_agg(c::text, '|' ORDER BY id) FROM customers c")!;
        var bad = await stage.DeployOkAsync("2.0.0-migrating", DeploymentStrategy.Hotfix);
        Assert.Equal((RollbackStage.HeadBefore, RollbackStage.NewMigration), (bad.MigrationHeadBefore, bad.MigrationHeadAfter));
        stage.Scalar<int>("INSERT INTO widgets VALUES (2, 'written by 2.0.0') RETURNING id");

        // Refused: nothing changes, the error names the migration, exit code 1.
        var sink = new RecordingSink();
        var refused = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions(), sink, CancellationToken.None);
        Assert.Equal((RollbackStatus.Failed, 1), (refused!.Status, refused.ExitCode));
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.RollbackCrossesMigration, error.ErrorId);
        Assert.Contains(RollbackStage.NewMigration, error.Message);
        Assert.Equal(new[] { RollbackStage.NewMigration }, refused.MigrationsCrossed);
        Assert.True(stage.TableExists("widgets"));
        Assert.Equal(DeploymentOutcome.Succeeded, (await stage.GetAsync(bad.Id))!.Outcome);
        Assert.Equal(20, (await stage.Stage.Proxy.CountVersionsAsync(20)).GetValueOrDefault("2.0.0-migrating"));

        // -IncludeDatabase: code and database go back to the pre-deployment state.
        sink = new RecordingSink();
        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { IncludeDatabase = true }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(bad.BackupId, result.RestoredBackupId);
        Assert.NotNull(result.PreRollbackBackupId);
        Assert.False(stage.TableExists("widgets"));
        Assert.Equal("20231201000000," + RollbackStage.HeadBefore, stage.Migrations());
        Assert.Equal(snapshotBefore, stage.Scalar<string>("SELECT string_agg(c::text, '|' ORDER BY id) FROM customers c"));
        var counts = await stage.Stage.Proxy.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 20, NginxStage.Show(counts));
        Assert.Equal(DeploymentOutcome.RolledBack, (await stage.GetAsync(bad.Id))!.Outcome);

        // The data written by the bad version is not lost: it is in the backup taken before the rollback.
        var preRollback = await new Engine.Backup.BackupManager(stage.Load()).FindAsync(result.PreRollbackBackupId!);
        Assert.Equal(2, preRollback!.Tables["public.widgets"]);
        var report = await File.ReadAllTextAsync(result.ReportPath!);
        Assert.Contains(bad.BackupId!, report);
        Assert.Contains(result.PreRollbackBackupId!, report);
        Assert.Contains(RollbackStage.NewMigration, report);
    }

    [Fact]
    public async Task Migrations_declared_backward_compatible_allow_a_code_only_rollback()
    {
        using var stage = new RollbackStage(_pg, extraSteps: RollbackStage.MigrateStep,
            extraRoot: $"rollback:\n  compatibleMigrations: [\"{RollbackStage.NewMigration}\"]");
        await stage.DeployOkAsync("1.1.0", DeploymentStrategy.Hotfix);
        await stage.DeployOkAsync("2.0.0-migrating", DeploymentStrategy.Hotfix);

        var sink = new RecordingSink();
        var result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { NoBackup = true }, sink, CancellationToken.None);

        Assert.True(result!.Status == RollbackStatus.Succeeded, result.Message + string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal(new[] { RollbackStage.NewMigration }, result.MigrationsCrossed);
        Assert.Null(result.RestoredBackupId);
        Assert.Null(result.PreRollbackBackupId);
        Assert.True(stage.TableExists("widgets"), "a code-only rollback keeps the expanded schema");
        Assert.Contains(sink.Warnings, w => w.Contains("declared backward-compatible", StringComparison.Ordinal));
        var counts = await stage.Stage.Proxy.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 20, NginxStage.Show(counts));
    }
}
