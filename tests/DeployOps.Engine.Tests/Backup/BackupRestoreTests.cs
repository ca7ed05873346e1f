using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Npgsql;

namespace DeployOps.Engine.Tests.Backup;

[Collection(PostgresCollection.Name)]
public sealed class BackupRestoreTests
{
    private readonly PostgresFixture _pg;

    public BackupRestoreTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task Backup_writes_dump_and_manifest_with_exact_counts_checksum_and_migration_head()
    {
        using var ctx = new BackupTestContext(_pg, "format: custom");
        var sink = new RecordingSink();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), sink, default))!;

        Assert.True(File.Exists(backup.Path));
        Assert.True(File.Exists(backup.ManifestPath));
        Assert.Equal(new FileInfo(backup.Path).Length, backup.Size);
        Assert.Equal(await BackupStore.Sha256Async(backup.Path, default), backup.Sha256);
        Assert.Equal("custom", backup.Format);
        Assert.Equal(500, backup.Tables["public.orders"]);
        Assert.Equal(50, backup.Tables["public.customers"]);
        Assert.Equal("20240301000000", backup.MigrationHead);
        Assert.Equal(ctx.Database, backup.Database);
        Assert.Null(backup.Verified);
        Assert.StartsWith(Path.Combine(ctx.Config.State.Directory, "backups"), backup.Path);
        Assert.Equal(backup.Id, (await ctx.Manager.FindAsync(backup.Id))!.Id);
        Assert.Contains(AuditLog.For(ctx.Config).ReadAll(), e => e.Action == "backup" && e.Outcome == "Succeeded" && e.Details["backupId"] == backup.Id);
        Assert.Contains(sink.Progress, p => p.ActivityId == BackupManager.ProgressActivityId && p.Completed);
    }

    [Fact]
    public async Task Restore_after_inserts_deletes_and_schema_change_brings_back_exactly_the_backed_up_rows()
    {
        using var ctx = new BackupTestContext(_pg);
        var before = ctx.Snapshot();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;

        _pg.Execute(ctx.Database, """
            INSERT INTO customers (name) VALUES ('late customer');
            DELETE FROM orders WHERE id % 3 = 0;
            UPDATE orders SET note = 'changed' WHERE id < 10;
            ALTER TABLE orders ADD COLUMN coupon text;
            CREATE TABLE coupons (code text PRIMARY KEY, order_id int REFERENCES orders(id));
            CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
            INSERT INTO schema_migrations VALUES ('20240401000000');
            """);
        Assert.NotEqual(before, ctx.Snapshot());

        var sink = new RecordingSink();
        var result = (await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id }, sink, default))!;

        Assert.Equal(before, ctx.Snapshot());
        Assert.Equal(0, _pg.Scalar<long>(ctx.Database, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'coupon'"));
        // Relations a later migration created are gone too: the schema is the backup's, not a mix.
        Assert.Null(_pg.Scalar<string>(ctx.Database, "SELECT to_regclass('coupons')::text"));
        Assert.Null(_pg.Scalar<string>(ctx.Database, "SELECT to_regclass('big_orders')::text"));
        Assert.Empty(result.ExtraTables);
        Assert.Equal(backup.Tables.Count, result.TablesVerified);
        Assert.Equal("20240301000000", result.MigrationHead);
        // The safety backup holds the state that was replaced, so the restore itself can be undone.
        var safety = (await ctx.Manager.FindAsync(result.SafetyBackupId!))!;
        Assert.Equal(500 - 166, safety.Tables["public.orders"]);
        Assert.Equal("20240401000000", safety.MigrationHead);
        Assert.Contains(AuditLog.For(ctx.Config).ReadAll(), e => e.Action == "restore database" && e.Outcome == "Succeeded");
        // Without an id the newest backup that is not a pre-restore safety backup is restored: a second run repeats
        // the first instead of undoing it.
        var again = (await ctx.Manager.RestoreAsync(new RestoreOptions { NoSafetyBackup = true }, new RecordingSink(), default))!;
        Assert.Equal(backup.Id, again.BackupId);
        Assert.Equal(before, ctx.Snapshot());
    }

    [Fact]
    public async Task Restore_terminates_open_connections_and_succeeds()
    {
        using var ctx = new BackupTestContext(_pg);
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        _pg.Execute(ctx.Database, "DELETE FROM orders");

        await using var held = new NpgsqlConnection(_pg.ConnectionString(ctx.Database));
        await held.OpenAsync();
        await using var tx = await held.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM orders", held, tx)) await read.ExecuteScalarAsync();

        var result = (await ctx.Manager.RestoreAsync(new RestoreOptions { NoSafetyBackup = true }, new RecordingSink(), default))!;

        Assert.True(result.TerminatedConnections >= 1);
        Assert.Null(result.SafetyBackupId);
        Assert.Equal(500, ctx.Count("orders"));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var again = new NpgsqlCommand("SELECT 1", held, tx);
            await again.ExecuteScalarAsync();
        });
    }

    [Fact]
    public async Task Swap_mode_restores_an_exact_copy_and_keeps_the_replaced_database()
    {
        using var ctx = new BackupTestContext(_pg, "restoreMode: swap");
        var before = ctx.Snapshot();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        _pg.Execute(ctx.Database, "DELETE FROM customers WHERE id > 40 AND id NOT IN (SELECT customer_id FROM orders); " +
                                  "UPDATE orders SET total = 0; CREATE TABLE added_by_migration (x int)");

        var result = (await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id }, new RecordingSink(), default))!;

        Assert.Equal(BackupRestoreMode.Swap, result.Mode);
        Assert.Equal(before, ctx.Snapshot());
        Assert.Null(_pg.Scalar<string>(ctx.Database, "SELECT to_regclass('added_by_migration')::text"));
        Assert.NotNull(result.PreviousDatabase);
        Assert.True(ctx.DatabaseExists(result.PreviousDatabase!));
        Assert.Equal(0m, _pg.Scalar<decimal>(result.PreviousDatabase!, "SELECT max(total) FROM orders"));
        _pg.Execute("postgres", $"DROP DATABASE \"{result.PreviousDatabase}\" WITH (FORCE)");
    }

    [Fact]
    public async Task Failed_clean_restore_rolls_back_and_reports_the_database_unchanged_and_restarts_the_app()
    {
        var started = Path.Combine(Path.GetTempPath(), "deployops-started-" + Guid.NewGuid().ToString("N"));
        using var ctx = new BackupTestContext(_pg, $"stopApp: [\"echo stopping\"]\nstartApp: [\"touch {started}\"]");
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        // A function created after the backup depends on orders (SQL-standard body): pg_restore --clean cannot drop
        // orders and fails midway, after it already dropped other objects.
        // (psql, because Npgsql splits statements at the semicolons inside BEGIN ATOMIC.)
        // The new table takes the psql path (it must be dropped in the restore's transaction); it must survive the rollback.
        _pg.Execute(ctx.Database, "DELETE FROM orders WHERE id > 100; CREATE TABLE coupons (code text)");
        ExternalProcess.Run(Path.Combine(_pg.BinDirectory, "psql"),
            $"-X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {_pg.Port} -U {PostgresFixture.User} -d {ctx.Database} " +
            "-c \"CREATE FUNCTION order_total() RETURNS numeric LANGUAGE sql BEGIN ATOMIC SELECT sum(total) FROM orders; END\"",
            environment: new Dictionary<string, string> { ["PGPASSWORD"] = PostgresFixture.Password });

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id }, new RecordingSink(), default));

        Assert.Equal(ErrorIds.RestoreFailed, ex.ErrorId);
        Assert.Contains($"database {ctx.Database} is unchanged", ex.Message);
        Assert.Contains("the pre-restore safety backup is ", ex.Message);
        Assert.Equal(100, ctx.Count("orders"));
        Assert.Equal(0, ctx.Count("coupons"));
        Assert.True(File.Exists(started), "startApp must run when the database is known to be unchanged");
        File.Delete(started);
        Assert.Contains(AuditLog.For(ctx.Config).ReadAll(), e => e.Action == "restore database" && e.Outcome == "Failed" && e.Details["state"].Contains("unchanged"));
    }

    [Fact]
    public async Task Failing_stopApp_restores_nothing_and_says_so()
    {
        using var ctx = new BackupTestContext(_pg, "stopApp: [\"echo cannot stop >&2; exit 4\"]");
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        _pg.Execute(ctx.Database, "DELETE FROM orders");

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() =>
            ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true }, new RecordingSink(), default));

        Assert.Equal(ErrorIds.AppCommandFailed, ex.ErrorId);
        Assert.Contains("exited 4", ex.Message);
        Assert.Contains("cannot stop", ex.Message);
        Assert.Contains("unchanged", ex.Message);
        Assert.Equal(0, ctx.Count("orders"));
    }

    [Fact]
    public async Task WhatIf_takes_no_backup_and_restores_nothing_but_audits_the_skip()
    {
        using var ctx = new BackupTestContext(_pg);
        Assert.Null(await ctx.Manager.BackupAsync(new BackupOptions(), RecordingSink.WhatIf(), default));
        Assert.Empty(await ctx.Manager.ListAsync());
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        _pg.Execute(ctx.Database, "DELETE FROM orders");

        Assert.Null(await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id }, RecordingSink.WhatIf(), default));

        Assert.Equal(0, ctx.Count("orders"));
        Assert.Single(await ctx.Manager.ListAsync());
        var audit = AuditLog.For(ctx.Config).ReadAll();
        Assert.Contains(audit, e => e.Action == "backup" && e.Outcome == "Skipped");
        Assert.Contains(audit, e => e.Action == "restore database" && e.Outcome == "Skipped");
    }

    [Fact]
    public async Task Unknown_backup_id_is_BackupNotFound()
    {
        using var ctx = new BackupTestContext(_pg);
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() =>
            ctx.Manager.RestoreAsync(new RestoreOptions { Id = "nope" }, new RecordingSink(), default));
        Assert.Equal(ErrorIds.BackupNotFound, ex.ErrorId);
        Assert.Contains("nope", ex.Message);
    }
}

public sealed class DumpContentsTests
{
    [Fact]
    public void Relations_are_read_from_the_table_of_contents_without_data_or_pieces()
    {
        var toc = new[]
        {
            ";",
            "; Archive created at 2024-01-01 00:00:00 UTC",
            "215; 1259 16386 TABLE public customers deployops",
            "214; 1259 16385 SEQUENCE public customers_id_seq deployops",
            "3346; 0 0 SEQUENCE OWNED BY public customers_id_seq deployops",
            "3345; 0 16386 TABLE DATA public customers deployops",
            "217; 1259 16400 VIEW sales big orders deployops",
            "218; 1259 16401 MATERIALIZED VIEW public totals deployops",
            "3400; 0 16401 MATERIALIZED VIEW DATA public totals deployops",
            "3210; 2606 16390 CONSTRAINT public customers customers_pkey deployops",
            "3347; 0 0 SEQUENCE SET public customers_id_seq deployops",
        };
        var relations = DumpContents.Relations(toc);
        Assert.Equal(new[] { ("public", "customers"), ("public", "customers_id_seq"), ("public", "totals"), ("sales", "big orders") },
            relations.OrderBy(r => r.Schema).ThenBy(r => r.Name).ToArray());
    }
}
