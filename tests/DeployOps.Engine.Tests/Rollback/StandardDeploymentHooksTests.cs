using DeployOps.Engine.Backup;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Rollback;

/// <summary>The default hooks of Invoke-Deployment against real PostgreSQL, nginx and the demo app.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StandardDeploymentHooksTests
{
    private readonly PostgresFixture _pg;

    public StandardDeploymentHooksTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task A_migrating_deployment_is_backed_up_verified_recorded_with_heads_and_runs_in_maintenance()
    {
        // The build step proves maintenance is on while deploying; the flag is gone afterwards.
        using var stage = new RollbackStage(_pg,
            extraSteps: RollbackStage.MigrateStep + "\nbuild:\n  - name: in maintenance\n    command: test -f ./maintenance.flag",
            extraDeployment: "maintenance: true",
            extraRoot: "maintenance:\n  flagFile:\n    path: maintenance.flag");
        var flag = Path.Combine(stage.Directory, "maintenance.flag");

        var record = await stage.DeployAsync("2.0.0-migrating", DeploymentStrategy.Hotfix);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(RollbackStage.HeadBefore, record.MigrationHeadBefore);
        Assert.Equal(RollbackStage.NewMigration, record.MigrationHeadAfter);
        Assert.NotNull(record.BackupId);
        var backup = await new BackupManager(stage.Load()).FindAsync(record.BackupId!);
        Assert.NotNull(backup);
        Assert.True(backup!.Verified, backup.VerificationDetails);
        Assert.Equal(RollbackStage.HeadBefore, backup.MigrationHead);
        Assert.False(backup.Tables.ContainsKey("public.widgets"));
        Assert.True(stage.TableExists("widgets"));
        Assert.False(File.Exists(flag));
        var audit = await File.ReadAllTextAsync(Path.Combine(stage.Directory, ".deployops", "audit.jsonl"));
        Assert.Contains("leave maintenance scope", audit);
    }

    [Fact]
    public async Task A_failing_deployment_leaves_maintenance_on_with_stayOnFailure_and_backup_never_skips_the_dump()
    {
        using var stage = new RollbackStage(_pg,
            extraSteps: RollbackStage.MigrateStep,
            extraDeployment: "maintenance: true\nbackup: never",
            extraRoot: "maintenance:\n  stayOnFailure: true\n  flagFile:\n    path: maintenance.flag");

        var sink = new RecordingSink();
        var record = await stage.DeployAsync("2.0.0-nobuild", DeploymentStrategy.Hotfix, sink);

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        Assert.Null(record.BackupId);
        Assert.Equal(RollbackStage.HeadBefore, record.MigrationHeadBefore);
        Assert.True(File.Exists(Path.Combine(stage.Directory, "maintenance.flag")), "stayOnFailure keeps maintenance on");
        Assert.Contains(sink.Warnings, w => w.Contains("maintenance stays ON", StringComparison.Ordinal));
        Assert.Empty(await new BackupManager(stage.Load()).ListAsync());
    }

    [Fact]
    public async Task NoBackup_skips_the_backup_of_a_migrating_deployment_but_still_records_the_heads()
    {
        using var stage = new RollbackStage(_pg, extraSteps: RollbackStage.MigrateStep);
        var sink = new RecordingSink();

        var record = await DeploymentEngine.InvokeAsync(stage.Load(), new DeploymentOptions
        {
            Version = "2.0.0-migrating", Strategy = DeploymentStrategy.Hotfix, NoBackup = true, Hooks = new StandardDeploymentHooks(),
        }, sink, CancellationToken.None);

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Null(record.BackupId);
        Assert.Equal(RollbackStage.HeadBefore, record.MigrationHeadBefore);
        Assert.Equal(RollbackStage.NewMigration, record.MigrationHeadAfter);
        Assert.Contains(sink.Warnings, w => w.Contains("-NoBackup", StringComparison.Ordinal));
    }
}
