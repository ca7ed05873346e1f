using DeployOps.Engine.Checks;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Backup;

public sealed class BackupCheckTests
{
    private static void Backup(string directory, string name, TimeSpan age, string content = "dump")
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
    }

    [Fact]
    public async Task The_newest_file_in_the_state_backups_folder_passes_when_younger_than_24h()
    {
        using var cfg = new TempConfig(OneCheck.Header + "checks:\n  - name: backup\n    kind: backup\n");
        var backups = Path.Combine(cfg.Directory, ".deployops", "backups");
        Backup(backups, "shop-old.sql.gz", TimeSpan.FromDays(3));
        Backup(backups, "shop-new.sql.gz", TimeSpan.FromHours(2));

        var (result, _, _) = await OneCheck.RunAsync(cfg);

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("shop-new.sql.gz", result.Data["newestFile"]);
        Assert.Equal(2, result.Data["count"]);
        Assert.InRange((double)result.Data["ageHours"]!, 1.9, 2.5);
        Assert.Equal(Path.Combine(backups, "*"), result.Target);
        Assert.StartsWith($"newest backup shop-new.sql.gz in {backups} is 2", result.Message);
    }

    [Fact]
    public async Task Too_old_fails_naming_the_file_the_directory_and_the_limit()
    {
        using var cfg = new TempConfig(OneCheck.Header + "checks:\n  - name: backup\n    kind: backup\n    directory: dumps\n    pattern: '*.dump'\n    maxAge: 6h\n");
        var dumps = Path.Combine(cfg.Directory, "dumps");
        Backup(dumps, "shop.dump", TimeSpan.FromHours(30));
        Backup(dumps, "notes.txt", TimeSpan.FromMinutes(1)); // newer, but not a backup

        var (result, _, _) = await OneCheck.RunAsync(cfg);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal("shop.dump", result.Data["newestFile"]);
        Assert.Matches($@"^newest backup shop\.dump in {System.Text.RegularExpressions.Regex.Escape(dumps)} is 30(\.\d+)?h old, older than the 6h limit$", result.Message);
    }

    [Fact]
    public async Task No_backup_or_no_directory_fails_naming_the_directory()
    {
        using var cfg = new TempConfig(OneCheck.Header + "checks:\n  - name: backup\n    kind: backup\n    directory: dumps\n    pattern: '*.dump'\n");
        var dumps = Path.Combine(cfg.Directory, "dumps");

        var (missing, _, _) = await OneCheck.RunAsync(cfg);
        Assert.Equal(CheckStatus.Failed, missing.Status);
        Assert.Equal($"backup directory {dumps} does not exist", missing.Message);

        Backup(dumps, "readme.txt", TimeSpan.Zero);
        var (none, _, _) = await OneCheck.RunAsync(cfg);
        Assert.Equal(CheckStatus.Failed, none.Status);
        Assert.Equal($"no backup matching '*.dump' in {dumps}", none.Message);
    }

    [Fact]
    public async Task An_empty_newest_backup_fails()
    {
        using var cfg = new TempConfig(OneCheck.Header + "checks:\n  - name: backup\n    kind: backup\n    directory: dumps\n    minSize: 1KB\n");
        Backup(Path.Combine(cfg.Directory, "dumps"), "shop.dump", TimeSpan.FromMinutes(5), content: "");

        var (result, _, _) = await OneCheck.RunAsync(cfg);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("is only 0 B (minSize 1 KB)", result.Message);
    }
}
