using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Backup;

/// <summary>A pg_dump directory-format dump (DeployOps' default) is one backup to the <c>kind: backup</c> check.</summary>
public sealed class DirectoryDumpCheckTests
{
    private static string DirectoryDump(string parent, string name, TimeSpan age, params (string File, int Bytes)[] files)
    {
        var dir = Path.Combine(parent, name);
        Directory.CreateDirectory(dir);
        foreach (var (file, bytes) in files.Prepend(("toc.dat", 100)))
        {
            var path = Path.Combine(dir, file);
            File.WriteAllBytes(path, new byte[bytes]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        }
        return dir;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_directory_dump_counts_as_one_backup_of_its_total_size(bool recursive)
    {
        using var cfg = new TempConfig(OneCheck.Header + $"checks:\n  - name: backup\n    kind: backup\n    directory: dumps\n    pattern: '{(recursive ? "*" : "shop-*.dump")}'\n    recursive: {(recursive ? "true" : "false")}\n    minSize: 1KB\n");
        var dumps = Path.Combine(cfg.Directory, "dumps");
        DirectoryDump(dumps, "shop-old.dump", TimeSpan.FromDays(2), ("3001.dat.gz", 5000));
        DirectoryDump(dumps, "shop-new.dump", TimeSpan.FromHours(1), ("3001.dat.gz", 700), ("3002.dat.gz", 600));
        Directory.CreateDirectory(Path.Combine(dumps, "not-a-dump.dump")); // no toc.dat: not a backup

        var (result, _, _) = await OneCheck.RunAsync(cfg);

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("shop-new.dump", result.Data["newestFile"]);
        Assert.Equal(2, result.Data["count"]);
        Assert.Equal(1400L, result.Data["sizeBytes"]);
    }

    [Fact]
    public async Task A_stale_directory_dump_fails_on_its_age()
    {
        using var cfg = new TempConfig(OneCheck.Header + "checks:\n  - name: backup\n    kind: backup\n    directory: dumps\n    pattern: 'shop-*.dump'\n    maxAge: 6h\n");
        DirectoryDump(Path.Combine(cfg.Directory, "dumps"), "shop-1.dump", TimeSpan.FromHours(30), ("3001.dat.gz", 10));

        var (result, _, _) = await OneCheck.RunAsync(cfg);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("shop-1.dump", result.Message);
        Assert.Contains("older than the 6h limit", result.Message);
    }
}
