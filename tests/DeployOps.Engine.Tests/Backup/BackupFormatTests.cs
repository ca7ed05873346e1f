using System.Text.Json.Nodes;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Backup;

/// <summary>backup.format (directory | custom), backup.jobs and backup.compression against the real PostgreSQL 15.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupFormatTests
{
    private readonly PostgresFixture _pg;

    public BackupFormatTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task A_directory_dump_is_a_folder_with_per_file_and_combined_sha256_taken_in_parallel()
    {
        using var ctx = new BackupTestContext(_pg, "jobs: 2");
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;

        Assert.Equal("directory", backup.Format);
        Assert.True(Directory.Exists(backup.Path));
        Assert.True(File.Exists(Path.Combine(backup.Path, "toc.dat")));
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(backup.ManifestPath))!;
        var files = manifest["files"]!.AsObject().ToDictionary(f => f.Key, f => (string)f.Value!);
        Assert.Equal(Directory.GetFiles(backup.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));
        Assert.True(files.Count >= 4, "toc.dat and one data file per table");
        foreach (var (name, sha) in files) Assert.Equal(await BackupStore.Sha256Async(Path.Combine(backup.Path, name), default), sha);
        Assert.Equal(DumpChecksum.Combine(files), backup.Sha256);
        Assert.Equal(new DirectoryInfo(backup.Path).GetFiles().Sum(f => f.Length), backup.Size);
        // auto on pg_dump 15 (no lz4 there): gzip level 1, not pg_dump's default 6.
        Assert.Equal("1", backup.Compression);
        Assert.Equal(2, (int)manifest["formatVersion"]!);
        Assert.Equal(500, backup.Tables["public.orders"]);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // bash wrappers with Unix file modes
    public async Task Jobs_reach_pg_dump_and_the_parallel_restores_but_not_the_single_transaction_clean_restore()
    {
        // Wrappers log each call's arguments, then run the real tool.
        var wrappers = ExternalProcess.TempDirectory("pgargs");
        var log = Path.Combine(wrappers, "calls.log");
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            var path = Path.Combine(wrappers, tool);
            File.WriteAllText(path, $"#!/bin/bash\necho \"{tool} $*\" >> {log}\nexec {Path.Combine(_pg.BinDirectory, tool)} \"$@\"\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        try
        {
            using var ctx = new BackupTestContext(_pg, $"jobs: 3\npgDump: {wrappers}/pg_dump\npgRestore: {wrappers}/pg_restore");
            var backup = (await ctx.Manager.BackupAsync(new BackupOptions { Verify = true }, new RecordingSink(), default))!;
            await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true }, new RecordingSink(), default);
            var swap = (await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true, Mode = BackupRestoreMode.Swap }, new RecordingSink(), default))!;
            ctx.Pg.Execute("postgres", $"DROP DATABASE \"{swap.PreviousDatabase}\" WITH (FORCE)");

            var calls = File.ReadAllLines(log).Where(l => !l.EndsWith("--version", StringComparison.Ordinal) && !l.Contains("--list")).ToList();
            var dump = Assert.Single(calls, c => c.StartsWith("pg_dump ", StringComparison.Ordinal));
            Assert.Contains("--format=directory", dump);
            Assert.Contains("--jobs=3", dump);
            Assert.Contains("--compress=1", dump);
            var restores = calls.Where(c => c.StartsWith("pg_restore ", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, restores.Count); // verify, clean, swap
            Assert.Contains("--jobs=3", restores[0]);
            Assert.Contains("deployops_verify_", restores[0]);
            Assert.Contains("--single-transaction", restores[1]);
            Assert.DoesNotContain("--jobs", restores[1]);
            Assert.Contains("--jobs=3", restores[2]);
            Assert.Contains("_restore_", restores[2]);
        }
        finally
        {
            Directory.Delete(wrappers, true);
        }
    }

    [Theory]
    [InlineData("directory", "clean")]
    [InlineData("directory", "swap")]
    [InlineData("custom", "clean")]
    [InlineData("custom", "swap")]
    public async Task Both_formats_back_up_verify_and_restore_exactly(string format, string mode)
    {
        using var ctx = new BackupTestContext(_pg, $"format: {format}\njobs: 2\nrestoreMode: {mode}");
        var before = ctx.Snapshot();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions { Verify = true }, new RecordingSink(), default))!;
        Assert.Equal(format, backup.Format);
        Assert.True(backup.Verified, backup.VerificationDetails);

        ctx.Pg.Execute(ctx.Database, "DELETE FROM orders WHERE id % 3 = 0; UPDATE customers SET name = 'changed'; CREATE TABLE later (id int)");
        var restore = (await ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true }, new RecordingSink(), default))!;

        Assert.Equal(before, ctx.Snapshot());
        Assert.Equal(3, restore.TablesVerified);
        Assert.False(ctx.Pg.Scalar<bool>(ctx.Database, "SELECT to_regclass('public.later') IS NOT NULL"));
        if (restore.PreviousDatabase is { } previous) ctx.Pg.Execute("postgres", $"DROP DATABASE \"{previous}\" WITH (FORCE)");
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("delete")]
    [InlineData("add")]
    [InlineData("manifest")]
    public async Task A_tampered_directory_dump_fails_its_checksum_naming_the_file_and_is_not_restored(string damage)
    {
        using var ctx = new BackupTestContext(_pg);
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        var dataFile = Directory.GetFiles(backup.Path, "*.dat.gz").OrderByDescending(f => new FileInfo(f).Length).First();
        var name = Path.GetFileName(dataFile);
        switch (damage)
        {
            case "flip":
                var bytes = await File.ReadAllBytesAsync(dataFile);
                bytes[bytes.Length / 2] ^= 0xFF;
                await File.WriteAllBytesAsync(dataFile, bytes);
                break;
            case "delete":
                File.Delete(dataFile);
                break;
            case "add":
                await File.WriteAllTextAsync(Path.Combine(backup.Path, "9999.dat.gz"), "planted");
                name = "9999.dat.gz";
                break;
            case "manifest": // a tampered data file with its hash "fixed" in the manifest: the combined sha256 catches it
                await File.AppendAllTextAsync(dataFile, "x");
                var manifest = JsonNode.Parse(await File.ReadAllTextAsync(backup.ManifestPath))!;
                manifest["files"]![name] = await BackupStore.Sha256Async(dataFile, default);
                await File.WriteAllTextAsync(backup.ManifestPath, manifest.ToJsonString());
                name = "file list";
                break;
        }
        ctx.Pg.Execute(ctx.Database, "DELETE FROM orders WHERE id > 250");

        var verification = (await ctx.Manager.VerifyAsync(backup.Id, new RecordingSink(), default))!;

        Assert.False(verification.Passed);
        Assert.False(verification.ChecksumMatched);
        Assert.Contains(verification.Problems, p => p.Contains(name));
        Assert.Equal(ErrorIds.BackupCorrupt, verification.ToError()!.ErrorId);
        Assert.False(ctx.DatabaseExists(verification.ScratchDatabase)); // never created
        var restore = await Assert.ThrowsAsync<DeployOpsException>(() =>
            ctx.Manager.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true }, new RecordingSink(), default));
        Assert.Equal(ErrorIds.BackupCorrupt, restore.ErrorId);
        Assert.Contains(name, restore.Message);
        Assert.Equal(250, ctx.Count("orders")); // untouched
    }

    [Fact]
    public async Task A_backup_in_the_old_manifest_format_still_verifies_restores_and_is_listed()
    {
        using var ctx = new BackupTestContext(_pg, "format: custom\ncompressLevel: 6");
        var before = ctx.Snapshot();
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default))!;
        // What a version-1 manifest looked like: no format, compression or files.
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(backup.ManifestPath))!.AsObject();
        Assert.Equal(6, (int)manifest["compressLevel"]!);
        manifest["formatVersion"] = 1;
        foreach (var key in new[] { "format", "compression", "files" }) manifest.Remove(key);
        await File.WriteAllTextAsync(backup.ManifestPath, manifest.ToJsonString());
        // Read by a configuration whose format is now directory.
        var current = new BackupManager(ConfigLoader.Load(Path.Combine(ctx.ConfigDirectory, "deployops.yaml"),
            n => n == BackupTestContext.PasswordVariable ? PostgresFixture.Password : null));
        Assert.Equal("custom", (await current.FindAsync(backup.Id))!.Format);
        ctx.Pg.Execute(ctx.Database, "DELETE FROM orders; INSERT INTO schema_migrations VALUES ('20250101000000')");

        Assert.True((await current.VerifyAsync(backup.Id, new RecordingSink(), default))!.Passed);
        await current.RestoreAsync(new RestoreOptions { Id = backup.Id, NoSafetyBackup = true }, new RecordingSink(), default);

        Assert.Equal(before, ctx.Snapshot());
    }

    [Fact]
    public async Task Lz4_with_pg_dump_15_fails_before_dumping_naming_the_setting_and_the_version()
    {
        using var ctx = new BackupTestContext(_pg, "compression: lz4");
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), default));

        Assert.Equal(ErrorIds.BackupFailed, ex.ErrorId);
        Assert.Contains("backup.compression 'lz4'", ex.Message);
        Assert.Contains("needs pg_dump 16 or newer, and this one is 15", ex.Message);
        Assert.Contains("deployops.yaml", ex.Message);
        Assert.Empty(await ctx.Manager.ListAsync());
        Assert.Empty(Directory.Exists(ctx.Manager.Directory) ? Directory.GetFileSystemEntries(ctx.Manager.Directory) : Array.Empty<string>());
        Assert.Contains(AuditLog.For(ctx.Config).ReadAll(), e => e.Action == "backup" && e.Outcome == "Failed");
    }

    [Theory]
    [InlineData("none", "0")]
    [InlineData("gzip:9", "9")]
    public async Task The_configured_compression_reaches_pg_dump(string compression, string argument)
    {
        using var ctx = new BackupTestContext(_pg, $"compression: '{compression}'\nformat: custom");
        var backup = (await ctx.Manager.BackupAsync(new BackupOptions { Verify = true }, new RecordingSink(), default))!;

        Assert.Equal(argument, backup.Compression);
        Assert.True(backup.Verified, backup.VerificationDetails);
        // An uncompressed custom dump has the rows' text in it; a gzip one does not.
        var raw = System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(backup.Path));
        Assert.Equal(argument == "0", raw.Contains("order 499"));
    }

    [Fact]
    public void Format_jobs_and_compression_have_defaults_and_bad_values_are_located()
    {
        using var good = new TempConfig("application: a\nenvironment: e\npostgres:\n  database: shop\n");
        var settings = ConfigLoader.Load(good.Path).Backup;
        Assert.Equal(BackupDumpFormat.Directory, settings.Format);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount), settings.Jobs);
        Assert.Equal(BackupCompression.Auto, settings.Compression);

        using var legacy = new TempConfig("application: a\nenvironment: e\npostgres:\n  database: shop\nbackup:\n  compressLevel: 3\n");
        Assert.Equal(new BackupCompression("gzip", 3), ConfigLoader.Load(legacy.Path).Backup.Compression);

        foreach (var (yaml, key, text) in new[]
        {
            ("compression: lz5", "backup.compression", "'lz5' is not a compression"),
            ("compression: gzip:12", "backup.compression", "gzip level must be 1-9"),
            ("compression: zstd:23", "backup.compression", "zstd level must be 1-22"),
            ("compression: none:3", "backup.compression", "none takes no level"),
            ("compression: gzip\n  compressLevel: 3", "backup.compressLevel", "not both"),
            ("jobs: 0", "backup.jobs", ""),
            ("format: tar", "backup.format", "directory, custom"),
        })
        {
            using var bad = new TempConfig($"application: a\nenvironment: e\npostgres:\n  database: shop\nbackup:\n  {yaml}\n");
            var error = Assert.Single(ConfigLoader.Validate(bad.Path));
            Assert.Equal(key, error.Path);
            Assert.Contains(text, error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.True(error.Line > 0, $"{key} has a line");
        }
    }

    [Theory]
    [InlineData("auto", 15, "1")]
    [InlineData("auto", 16, "lz4")]
    [InlineData("none", 15, "0")]
    [InlineData("gzip", 15, null)]
    [InlineData("gzip", 17, "gzip")]
    [InlineData("gzip:4", 15, "4")]
    [InlineData("gzip:4", 16, "gzip:4")]
    [InlineData("lz4:3", 16, "lz4:3")]
    [InlineData("zstd", 17, "zstd")]
    public void Compression_becomes_the_compress_argument_this_pg_dump_understands(string setting, int major, string? expected)
    {
        var compression = BackupCompression.Parse(setting, out var error)!;
        Assert.Null(error);
        Assert.Equal(expected, compression.PgDumpArgument(major, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 15)]
    [InlineData("pg_dump (PostgreSQL) 16.4", 16)]
    [InlineData("pg_dump (PostgreSQL) 9.6.24", 9)]
    [InlineData(null, 0)]
    public void The_major_version_is_read_from_pg_dump_version(string? line, int major) =>
        Assert.Equal(major, BackupCompression.MajorVersion(line));
}
