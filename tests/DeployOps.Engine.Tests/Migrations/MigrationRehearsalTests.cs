using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Migrations;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Migrations;

/// <summary>
/// The whole rehearsal against the real PostgreSQL: a verified pg_dump backup restored into a scratch database,
/// pending migrations applied there with psql and classified, the copy dropped, the live database untouched; and
/// the migrations check with classify: true as Test-PreDeployment runs it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationRehearsalTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly string _database;
    private readonly TempConfig _folder;
    private readonly string _migrations;

    public MigrationRehearsalTests(PostgresFixture pg)
    {
        _pg = pg;
        _database = MigrationFixtures.CreateBase(pg);
        _folder = new TempConfig(MigrationFixtures.Yaml(pg, _database, "migrations"));
        _migrations = Path.Combine(_folder.Directory, "migrations");
        Directory.CreateDirectory(_migrations);
        File.WriteAllText(Path.Combine(_migrations, "0000_init.sql"), "-- already applied (schema_migrations has 0000)\nSELECT 1;\n");
    }

    public void Dispose()
    {
        _folder.Dispose();
        try { _pg.Execute("postgres", $"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)"); } catch (Npgsql.NpgsqlException) { }
    }

    private void Pending(params string[] fixtures)
    {
        foreach (var f in fixtures) File.Copy(Path.Combine(MigrationFixtures.Directory, f), Path.Combine(_migrations, f));
    }

    private async Task<string> VerifiedBackupAsync()
    {
        var backup = await new BackupManager(MigrationFixtures.Load(_folder.Path)).BackupAsync(new BackupOptions { Verify = true }, new RecordingSink(), default);
        Assert.True(backup!.Verified, backup.VerificationDetails);
        return backup.Id;
    }

    private string Columns() => _pg.Scalar<string>(_database,
        "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'customers'")!;

    private bool ScratchLeft() => _pg.Scalar<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'deployops\\_rehearse\\_%'") > 0;

    [Fact(Timeout = 240_000)]
    public async Task Pending_migrations_are_applied_in_order_to_a_copy_of_the_backup_and_classified_one_by_one()
    {
        Pending("0002_add_nullable_column.sql", "0005_create_index_concurrently.sql", "0101_drop_column.sql");
        var backupId = await VerifiedBackupAsync();
        var columnsBefore = Columns();
        var config = MigrationFixtures.Load(_folder.Path);
        var sink = new RecordingSink();

        var result = await MigrationRehearsal.RunAsync(config, MigrationSource.From(config)!, backupId, "test", null, sink, default);

        Assert.Equal(backupId, result.BackupId);
        Assert.Equal(new[] { "0002:expand", "0005:expand", "0101:contract" }, result.Migrations.Select(m => m.Label));
        Assert.Equal("0002:expand,0005:expand,0101:contract", result.Labels);
        Assert.All(result.Migrations, m => Assert.True(m.Duration > TimeSpan.Zero));
        Assert.Contains(result.Migrations[2].Reasons, r => r.Name == "public.customers.legacy_code");
        Assert.False(result.AllExpand);
        Assert.True(result.RestoreDuration > TimeSpan.Zero);
        // The live database is untouched and the copy is gone; progress was reported and completed.
        Assert.Equal(columnsBefore, Columns());
        Assert.Contains("legacy_code", Columns());
        Assert.False(ScratchLeft());
        Assert.Contains(sink.Progress, p => p.ActivityId == MigrationRehearsal.ProgressActivityId && p.Completed);
        var audit = AuditLogEntries(config);
        Assert.Contains(audit, a => a.Contains("create scratch database") && a.Contains("deployops_rehearse_"));
        Assert.Contains(audit, a => a.Contains("drop scratch database") && a.Contains("Succeeded"));
    }

    [Fact(Timeout = 240_000)]
    public async Task A_migration_that_fails_on_the_copy_names_file_and_line_and_leaves_nothing_behind()
    {
        Pending("0002_add_nullable_column.sql");
        File.WriteAllText(Path.Combine(_migrations, "0003_broken.sql"), "-- a typo on line 2\nALTER TABLE customerz ADD COLUMN x int;\n");
        var backupId = await VerifiedBackupAsync();
        var config = MigrationFixtures.Load(_folder.Path);

        var error = await Assert.ThrowsAsync<DeployOpsException>(() =>
            MigrationRehearsal.RunAsync(config, MigrationSource.From(config)!, backupId, "test", null, new RecordingSink(), default));

        Assert.Equal(ErrorIds.MigrationRehearsalFailed, error.ErrorId);
        Assert.Contains("0003_broken.sql:2: ERROR:", error.Message);
        Assert.Contains("customerz", error.Message);
        Assert.Contains("0002:expand", error.Message); // what applied before it
        Assert.EndsWith("0003_broken.sql", (string)error.Target!);
        Assert.False(ScratchLeft());
        Assert.DoesNotContain("nickname", Columns());
    }

    [Fact(Timeout = 240_000)]
    public async Task Under_a_dry_run_the_rehearsal_writes_no_audit_line()
    {
        Pending("0002_add_nullable_column.sql");
        var backupId = await VerifiedBackupAsync();
        var config = MigrationFixtures.Load(_folder.Path);
        var before = AuditLogEntries(config).Count;

        var result = await MigrationRehearsal.RunAsync(config, MigrationSource.From(config)!, null, "test", null, new RecordingSink { IsDryRun = true }, default);

        Assert.Equal(backupId, result.BackupId); // the newest verified backup
        Assert.Equal(before, AuditLogEntries(config).Count);
        Assert.False(ScratchLeft());
    }

    [Fact(Timeout = 300_000)]
    public async Task The_check_with_classify_warns_on_contract_passes_on_expand_and_fails_on_a_broken_migration()
    {
        Pending("0002_add_nullable_column.sql");
        var noBackup = await RunCheckAsync();
        Assert.Equal(CheckStatus.Warning, noBackup.Status);
        Assert.Contains("not classified", noBackup.Message);
        Assert.Contains("Backup-DeploymentDatabase -Verify", noBackup.Message);

        await VerifiedBackupAsync();
        var expand = await RunCheckAsync();
        Assert.True(expand.Status == CheckStatus.Passed, expand.Message);
        Assert.Contains("all expand", expand.Message);
        var classification = Assert.IsAssignableFrom<IReadOnlyList<MigrationClassification>>(expand.Data["classification"]);
        Assert.Equal("0002:expand", Assert.Single(classification).Label);

        Pending("0101_drop_column.sql");
        var contract = await RunCheckAsync();
        Assert.Equal(CheckStatus.Warning, contract.Status);
        Assert.Contains("0101_drop_column.sql would be refused", contract.Message);

        File.WriteAllText(Path.Combine(_migrations, "0200_broken.sql"), "ALTER TABLE nowhere ADD COLUMN x int;\n");
        var broken = await RunCheckAsync();
        Assert.Equal(CheckStatus.Failed, broken.Status);
        Assert.Contains("0200_broken.sql:1: ERROR:", broken.Message);
        Assert.False(ScratchLeft());
    }

    private async Task<CheckResult> RunCheckAsync()
    {
        var config = MigrationFixtures.Load(_folder.Path);
        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), new RecordingSink(), default);
        return Assert.Single(report.Results);
    }

    private static List<string> AuditLogEntries(Engine.Configuration.ConfigModel config) =>
        File.Exists(Audit.AuditLog.For(config).FilePath) ? File.ReadAllLines(Audit.AuditLog.For(config).FilePath).ToList() : new List<string>();
}
