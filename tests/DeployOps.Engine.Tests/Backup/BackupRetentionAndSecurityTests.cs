using System.Text.Json.Nodes;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Backup;

[Collection(PostgresCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // /proc and Unix file modes
public sealed class BackupRetentionAndSecurityTests
{
    private readonly PostgresFixture _pg;

    public BackupRetentionAndSecurityTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task KeepLast_deletes_older_dumps_and_manifests_together_and_audits_each()
    {
        using var ctx = new BackupTestContext(_pg, "retention:\n  keepLast: 2");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!.Id);

        var left = await ctx.Manager.ListAsync();
        Assert.Equal(new[] { ids[2], ids[1] }, left.Select(b => b.Id));
        var dir = ctx.Manager.Directory;
        Assert.False(Path.Exists(Path.Combine(dir, ids[0] + ".dump"))); // a directory dump: deleted with all its files
        Assert.False(File.Exists(Path.Combine(dir, ids[0] + ".json")));
        Assert.Equal(2, Directory.GetFileSystemEntries(dir, "*.dump").Length);
        Assert.Contains(AuditLog.For(ctx.Config).ReadAll(), e => e.Action == "delete backup (retention)" && e.Target == ids[0]);
    }

    [Fact]
    public async Task MaxAge_deletes_backups_older_than_the_limit_only()
    {
        using var ctx = new BackupTestContext(_pg, "retention:\n  maxAge: 7d");
        var old = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        var recent = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        Age(old, TimeSpan.FromDays(8));
        Age(recent, TimeSpan.FromDays(6));

        var newest = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;

        Assert.Equal(new[] { newest.Id, recent.Id }, (await ctx.Manager.ListAsync()).Select(b => b.Id));
        Assert.False(Path.Exists(old.Path));
    }

    [Fact]
    public async Task The_password_never_reaches_a_command_line_output_manifest_or_audit()
    {
        // pg_dump is wrapped by a script that waits, so its running command line can be read from /proc.
        var wrapperDir = ExternalProcess.TempDirectory("pgwrap");
        var wrapper = Path.Combine(wrapperDir, "slow_pg_dump");
        var realPgDump = Path.Combine(_pg.BinDirectory, "pg_dump");
        File.WriteAllText(wrapper, $"#!/bin/bash\n[ \"$1\" = --version ] || sleep 1\nexec {realPgDump} \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var ctx = new BackupTestContext(_pg, $"pgDump: {wrapper}\nverifyQuery: SELECT true");

        var seen = new List<string>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var dir in Directory.GetDirectories("/proc"))
                {
                    try
                    {
                        var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                        if (cmdline.Contains(wrapper, StringComparison.Ordinal) || cmdline.Contains("pg_dump ", StringComparison.Ordinal)
                            || cmdline.Contains("pg_restore ", StringComparison.Ordinal))
                            lock (seen) seen.Add(cmdline);
                    }
                    catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
                await Task.Delay(20);
            }
        });
        var sink = new RecordingSink();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions { Verify = true }, sink, default))!;
        await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id }, sink, default);
        await stop.CancelAsync();
        await watcher;
        Directory.Delete(wrapperDir, true);

        Assert.True(backup.Verified);
        lock (seen)
        {
            Assert.Contains(seen, c => c.Contains(wrapper, StringComparison.Ordinal));
            Assert.Contains(seen, c => c.Contains($"-h 127.0.0.1 -p {_pg.Port} -U {PostgresFixture.User} -d {ctx.Database}", StringComparison.Ordinal));
            Assert.DoesNotContain(seen, c => c.Contains(PostgresFixture.Password, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(PostgresFixture.Password, sink.AllText());
        foreach (var file in Directory.GetFiles(ctx.Manager.Directory, "*.json").Append(AuditLog.For(ctx.Config).FilePath))
            Assert.DoesNotContain(PostgresFixture.Password, await File.ReadAllTextAsync(file));
        // The pgpass file's own life (0600, deleted on dispose) is The_arguments_the_engine_builds…; a scan of the
        // shared temp folder here would see the files of backups other test classes run at the same time.
    }

    [Fact]
    public void The_arguments_the_engine_builds_are_discrete_and_password_free()
    {
        var settings = PostgresSettings.FromConnectionString($"Host=127.0.0.1;Port={_pg.Port};Username=app;Password=s3cret-pw;Database=shop");
        using var credentials = new PgCredentials(settings);
        Assert.Equal(new[] { "-h", "127.0.0.1", "-p", _pg.Port.ToString(), "-U", "app", "-d", "shop" }, credentials.ConnectionArguments("shop"));
        var env = credentials.Environment();
        Assert.Null(env["PGPASSWORD"]);
        var passFile = env["PGPASSFILE"]!;
        Assert.Equal("*:*:*:*:s3cret-pw\n", File.ReadAllText(passFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passFile));
        credentials.Dispose();
        Assert.False(File.Exists(passFile));
    }

    [Fact]
    public async Task A_missing_pg_dump_is_PgToolMissing_with_the_install_hint()
    {
        using var ctx = new BackupTestContext(_pg, "pgDump: /nonexistent/bin/pg_dump");
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default));
        Assert.Equal(ErrorIds.PgToolMissing, ex.ErrorId);
        Assert.Contains("/nonexistent/bin/pg_dump", ex.Message);
        Assert.Contains("apt-get install -y postgresql-client", ex.Message);
        Assert.Contains("backup.pgDump", ex.Message);
    }

    [Fact]
    public void Backup_settings_are_read_with_defaults_and_bad_values_are_reported()
    {
        using var good = new TempConfig("application: a\nenvironment: e\npostgres:\n  database: shop\n");
        var settings = ConfigLoader.Load(good.Path).Backup;
        Assert.Equal(Path.Combine(good.Directory, ".deployops", "backups"), settings.Directory);
        Assert.Equal(BackupRestoreMode.Clean, settings.RestoreMode);
        Assert.Null(settings.KeepLast);
        Assert.Equal("schema_migrations", settings.MigrationsTable);

        using var bad = new TempConfig("application: a\nenvironment: e\npostgres:\n  database: shop\nbackup:\n  restoreMode: sideways\n  compressLevel: 12\n  retention:\n    keepLst: 3\n");
        var errors = ConfigLoader.Validate(bad.Path);
        Assert.Contains(errors, e => e.Path == "backup.restoreMode");
        Assert.Contains(errors, e => e.Path == "backup.compressLevel");
        Assert.Contains(errors, e => e.Path == "backup.retention.keepLst" && e.Message.Contains("keepLast"));
    }

    private static void Age(DeploymentBackup backup, TimeSpan age)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(backup.ManifestPath))!;
        manifest["created"] = DateTimeOffset.UtcNow - age;
        File.WriteAllText(backup.ManifestPath, manifest.ToJsonString());
    }
}
