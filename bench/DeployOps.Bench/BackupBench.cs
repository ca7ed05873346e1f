using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Bench;

/// <summary>
/// backup + verify + restore of a ~100 MB database on a throwaway PostgreSQL cluster of its own (the tests'
/// PostgresFixture, restarted with more shared buffers and WAL room for the bulk load).
/// Options: --rows N (default 500000 ≈ 100 MB), --compress 0-9 (backup.compressLevel; default pg_dump's).
/// </summary>
internal static class BackupBench
{
    private const string Database = "benchdb";
    private const int SqlTimeoutSeconds = 600;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(int.Parse).FirstOrDefault(500_000);
        var compress = args.SkipWhile(a => a != "--compress").Skip(1).Select(int.Parse).Cast<int?>().FirstOrDefault();
        using var cluster = new PostgresFixture();
        cluster.Stop();
        File.AppendAllText(Path.Combine(cluster.DataDirectory, "postgresql.conf"), "shared_buffers = 128MB\nmax_wal_size = 1GB\n");
        cluster.Start();
        var version = Path.GetFileName(Path.GetDirectoryName(cluster.BinDirectory));
        Console.WriteLine($"cluster: PostgreSQL {version} on 127.0.0.1:{cluster.Port} ({cluster.Root})");

        var clock = Stopwatch.StartNew();
        cluster.CreateDatabase(Database);
        cluster.Execute(Database, $"""
            CREATE TABLE schema_migrations (version text PRIMARY KEY);
            INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240601000000');
            CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name, md5(g::text) AS email FROM generate_series(1, 50000) g;
            ALTER TABLE customers ADD PRIMARY KEY (id);
            CREATE TABLE events AS
              SELECT g AS id, 1 + g % 50000 AS customer_id, now() - g * interval '1 second' AS at,
                     md5(g::text) AS kind, repeat(md5((g * 7)::text), 2) AS payload
              FROM generate_series(1, {rows}) g;
            ALTER TABLE events ADD PRIMARY KEY (id);
            CREATE INDEX events_customer ON events (customer_id);
            """, SqlTimeoutSeconds);
        cluster.Execute(Database, "VACUUM ANALYZE", SqlTimeoutSeconds);
        var size = cluster.Scalar<long>(Database, "SELECT pg_database_size(current_database())");
        Console.WriteLine($"generated {rows:N0} event rows: database size {size / 1e6:N1} MB in {clock.Elapsed.TotalSeconds:N1} s");

        var configDir = Path.Combine(cluster.Root, "app");
        Directory.CreateDirectory(configDir);
        var configPath = Path.Combine(configDir, "deployops.yaml");
        await File.WriteAllTextAsync(configPath, $$"""
            application: bench
            environment: bench
            postgres:
              host: 127.0.0.1
              port: {{cluster.Port}}
              database: {{Database}}
              username: {{PostgresFixture.User}}
              password: ${env:BENCH_PG_PASSWORD}
            backup:
              pgDump: {{Path.Combine(cluster.BinDirectory, "pg_dump")}}
              pgRestore: {{Path.Combine(cluster.BinDirectory, "pg_restore")}}
              {{(compress is null ? "" : $"compressLevel: {compress}")}}
            """);
        var config = ConfigLoader.Load(configPath, name => name == "BENCH_PG_PASSWORD" ? PostgresFixture.Password : null);
        var manager = new BackupManager(config);
        var sink = NullSink.Reporting;

        clock.Restart();
        var backup = (await manager.BackupAsync(new BackupOptions { Reason = "bench" }, sink, CancellationToken.None))!;
        var backupTime = clock.Elapsed;
        clock.Restart();
        var verification = (await manager.VerifyAsync(backup.Id, sink, CancellationToken.None))!;
        var verifyTime = clock.Elapsed;
        cluster.Execute(Database, "DELETE FROM events WHERE id % 10 = 0; UPDATE customers SET name = 'changed'", SqlTimeoutSeconds);
        clock.Restart();
        var restore = (await manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true }, sink, CancellationToken.None))!;
        var restoreTime = clock.Elapsed;
        var eventsAfter = cluster.Scalar<long>(Database, "SELECT count(*) FROM events", SqlTimeoutSeconds);

        Console.WriteLine($"dump: {backup.Size / 1e6:N1} MB, {backup.Tables.Count} tables, {backup.TotalRows:N0} rows, sha256 {backup.Sha256[..12]}…");
        Console.WriteLine($"backup   (pg_dump -Fc + exact counts + sha256): {Seconds(backupTime)}");
        Console.WriteLine($"verify   (sha256 + scratch restore + counts + drop): {Seconds(verifyTime)}  passed={verification.Passed}");
        Console.WriteLine($"restore  (terminate + pg_restore --clean, one transaction + counts): {Seconds(restoreTime)}  tables verified={restore.TablesVerified}, events={eventsAfter:N0}");
        Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()} on {Environment.ProcessorCount} CPU(s)");
        Console.WriteLine($"total    backup + verify + restore: {Seconds(backupTime + verifyTime + restoreTime)}");
        return verification.Passed && eventsAfter == rows ? 0 : 1;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture) + " s";
}
