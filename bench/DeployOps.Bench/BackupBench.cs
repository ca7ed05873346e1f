using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Bench;

/// <summary>
/// Backup, verify and restore of a generated database (~1 GB at --scale 1) next to plain <c>pg_dump -Fc</c> /
/// <c>pg_restore --clean</c> of the same database in the same run, then the whole <c>Invoke-Rollback -IncludeDatabase</c>
/// (the engine's RollbackAsync as the cmdlet calls it: pre-rollback backup, switch back, restore) of a blue-green
/// deployment whose migration added a table. Every restore is checked row for row (count + hash of each table).
/// Options: --scale X (1 ≈ 1 GB), --format directory|custom, --compression auto|none|gzip[:N]|lz4|zstd, --jobs N.
/// </summary>
internal static class BackupBench
{
    private const string Migrating = "2.0.0-migrating";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var scale = double.Parse(Option("--scale") ?? "1", CultureInfo.InvariantCulture);
        var backupYaml = string.Join("\n", new[] { ("format", Option("--format")), ("compression", Option("--compression")), ("jobs", Option("--jobs")) }
            .Where(o => o.Item2 is not null).Select(o => $"  {o.Item1}: '{o.Item2}'"));

        Console.WriteLine($"load average at the start: {LoadAverage()} on {Environment.ProcessorCount} CPU(s)");
        using var db = BenchDatabase.Create(scale);
        var original = db.Fingerprint();
        var rows = new List<(string Step, TimeSpan Time, string Note)>();
        void Row(string step, TimeSpan time, string note = "")
        {
            rows.Add((step, time, note));
            Console.WriteLine($"{step,-58} {Seconds(time),9}  {db.SizeMB / time.TotalSeconds,6:N1} MB/s  {note}");
        }
        void Same(string after)
        {
            if (db.Fingerprint() != original) throw new InvalidOperationException($"after {after} the database differs from the original");
        }

        // Plain tools, same database, same run.
        var plainFile = Path.Combine(db.Cluster.Root, "plain.dump");
        var plainDump = db.RunTool("pg_dump", "-Fc", "-f", plainFile, "-d", BenchDatabase.Name);
        Row("plain pg_dump -Fc", plainDump, $"{new FileInfo(plainFile).Length / 1e6:N0} MB file");
        Mutate(db);
        var plainRestore = db.RunTool("pg_restore", "--clean", "--if-exists", "-d", BenchDatabase.Name, plainFile);
        Same("plain pg_restore");
        Row("plain pg_restore --clean --if-exists", plainRestore);
        File.Delete(plainFile);

        using var blue = new DemoAppProcess("1.0.0", instance: "blue");
        using var green = new DemoAppProcess("2.0.0", instance: "green");
        using var proxy = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 100), new TrafficBackend("green", "127.0.0.1", green.Port, 0) });
        var config = WriteConfig(db, blue.Port, green.Port, proxy, backupYaml);
        Console.WriteLine($"DeployOps: format {FormatName(config.Backup.Format)}, jobs {config.Backup.Jobs}, compression {config.Backup.Compression}");
        var manager = new BackupManager(config);
        var sink = NullSink.Reporting;

        var clock = Stopwatch.StartNew();
        var backup = (await manager.BackupAsync(new BackupOptions { Reason = "bench" }, sink, CancellationToken.None))!;
        Row("DeployOps backup (dump + exact counts + sha256)", clock.Elapsed, $"{backup.Size / 1e6:N0} MB {backup.Format}, --compress {backup.Compression ?? "default"}");
        clock.Restart();
        var verification = (await manager.VerifyAsync(backup.Id, sink, CancellationToken.None))!;
        if (!verification.Passed) throw new InvalidOperationException("verification failed: " + verification.Summary);
        Row("DeployOps verify (sha256 + scratch restore + counts + drop)", clock.Elapsed);
        Mutate(db);
        clock.Restart();
        await manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true, Mode = BackupRestoreMode.Clean }, sink, CancellationToken.None);
        Row("DeployOps restore clean (one transaction + counts)", clock.Elapsed);
        Same("clean restore");
        Mutate(db);
        clock.Restart();
        var swap = (await manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true, Mode = BackupRestoreMode.Swap }, sink, CancellationToken.None))!;
        Row("DeployOps restore swap (parallel into a copy + counts + rename)", clock.Elapsed);
        Same("swap restore");
        db.Cluster.Execute("postgres", $"DROP DATABASE \"{swap.PreviousDatabase}\"", BenchDatabase.SqlTimeoutSeconds);
        BackupStore.DeleteDump(backup.Path);
        File.Delete(backup.ManifestPath);

        // The whole rollback with the database, as Invoke-Rollback -IncludeDatabase runs it.
        await DeployAsync(config, "1.0.0", hooks: false);
        clock.Restart();
        var deployment = await DeployAsync(config, Migrating, hooks: true);
        Row("Invoke-Deployment (pre-deployment backup + verify, migrate)", clock.Elapsed, deployment.BackupId ?? "");
        db.Cluster.Execute(BenchDatabase.Name, "INSERT INTO widgets VALUES (2, 'written by 2.0.0'); DELETE FROM events WHERE id % 7 = 0", BenchDatabase.SqlTimeoutSeconds);
        clock.Restart();
        var rollback = await RollbackEngine.RollbackAsync(config, new RollbackOptions { IncludeDatabase = true, Reason = "bench" }, sink, CancellationToken.None);
        var rollbackTime = clock.Elapsed;
        if (rollback?.Status != RollbackStatus.Succeeded) throw new InvalidOperationException($"rollback: {rollback?.Message}");
        Same("Invoke-Rollback -IncludeDatabase");
        Row("Invoke-Rollback -IncludeDatabase (backup + switch + restore)", rollbackTime, $"restored {rollback.RestoredBackupId}");

        var plainPair = plainDump + plainRestore;
        Console.WriteLine($"database {db.SizeMB:N0} MB ({db.TotalRows:N0} rows), PostgreSQL {db.Version}; load average at the end: {LoadAverage()}");
        Console.WriteLine($"plain pg_dump -Fc + pg_restore: {Seconds(plainPair)}; Invoke-Rollback -IncludeDatabase: {Seconds(rollbackTime)} " +
            $"= {rollbackTime / plainPair:0.00} x plain; goal < 300 s: {(rollbackTime.TotalSeconds < 300 ? "met" : "NOT met")}");
        return 0;
    }

    /// <summary>What an application does after a backup: the restore must undo all of it.</summary>
    private static void Mutate(BenchDatabase db) => db.Cluster.Execute(BenchDatabase.Name,
        "DELETE FROM events WHERE id % 10 = 0; UPDATE customers SET name = 'changed' WHERE id % 3 = 0; INSERT INTO schema_migrations VALUES ('29990101000000')",
        BenchDatabase.SqlTimeoutSeconds);

    private static ConfigModel WriteConfig(BenchDatabase db, int bluePort, int greenPort, NginxStage proxy, string backupYaml)
    {
        var dir = Path.Combine(db.Cluster.Root, "app");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "deployops.yaml");
        File.WriteAllText(path, string.Join("\n", new[]
        {
            "application: bench",
            "environment: bench",
            "postgres:",
            "  host: 127.0.0.1",
            $"  port: {db.Cluster.Port}",
            $"  database: {BenchDatabase.Name}",
            $"  username: {PostgresFixture.User}",
            "  password: ${env:BENCH_PG_PASSWORD}",
            "backup:",
            $"  pgDump: {db.Tool("pg_dump")}",
            $"  pgRestore: {db.Tool("pg_restore")}",
            $"  psql: {db.Tool("psql")}",
            backupYaml,
            "deployment:",
            "  slots:",
            $"    blue: {{ host: 127.0.0.1, port: {bluePort} }}",
            $"    green: {{ host: 127.0.0.1, port: {greenPort} }}",
            proxy.Yaml("  "),
            "  readiness: { timeout: 30s, interval: 100ms }",
            "  steps:",
            "    migrate:",
            "      - name: add widgets",
            "        sql: \"DO $$ BEGIN IF '{version}' LIKE '%-migrating' THEN CREATE TABLE widgets (id int PRIMARY KEY, name text); INSERT INTO widgets VALUES (1, 'w1'); INSERT INTO schema_migrations VALUES ('20250101000000'); END IF; END $$\"",
        }.Where(l => l.Length > 0)) + "\n");
        return ConfigLoader.Load(path, name => name == "BENCH_PG_PASSWORD" ? PostgresFixture.Password : null);
    }

    private static async Task<DeploymentRecord> DeployAsync(ConfigModel config, string version, bool hooks)
    {
        var record = await DeploymentEngine.InvokeAsync(config, new DeploymentOptions
        {
            Version = version, Strategy = DeploymentStrategy.BlueGreen, Hooks = hooks ? new StandardDeploymentHooks() : null,
        }, NullSink.Reporting, CancellationToken.None);
        if (record?.Outcome != DeploymentOutcome.Succeeded) throw new InvalidOperationException($"deploy {version}: {record?.Error}");
        return record;
    }

    private static string FormatName(BackupDumpFormat format) => format.ToString().ToLowerInvariant();
    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture) + " s";
}
