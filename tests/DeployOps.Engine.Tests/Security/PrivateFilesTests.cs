using DeployOps.Engine.Rollback;
using DeployOps.Engine.Security;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Backup;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Rollback;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Security;

/// <summary>
/// Deployment data is private to its owner wherever it is configured: under umask 000 (nothing taken away by the
/// process) every folder DeployOps creates is 0700 and every file 0600 — state, journal, audit, logs, incidents
/// (configured outside the state directory), backups and pg_dump's dump.
/// </summary>
[Collection(UmaskCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
public sealed class PrivateFilesTests : IClassFixture<PostgresFixture>
{
    private const UnixFileMode Directory0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly PostgresFixture _pg;

    public PrivateFilesTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task Deploy_and_rollback_create_0700_folders_and_0600_files_under_umask_000_even_outside_the_state_directory()
    {
        using var outside = new TempConfig("placeholder: true");
        var incidents = Path.Combine(outside.Directory, "shared", "incidents");
        var logs = Path.Combine(outside.Directory, "shared", "logs");
        RollbackResult? result;
        using (Umask.Open())
        {
            using var stage = new RollbackStage(extraDeployment: $"logDirectory: {logs}", extraRoot: $"rollback:\n  incidentDirectory: {incidents}");
            await stage.DeployOkAsync("1.1.0", DeploymentStrategy.BlueGreen);
            await stage.DeployOkAsync("2.0.0", DeploymentStrategy.BlueGreen);
            result = await RollbackEngine.RollbackAsync(stage.Load(), new RollbackOptions { Reason = "mode test" }, new RecordingSink(), CancellationToken.None);
            Assert.Equal(RollbackStatus.Succeeded, result!.Status);

            var config = stage.Load();
            var state = config.State.Directory;
            var checkedEntries = AssertPrivate(state) + AssertPrivate(incidents) + AssertPrivate(logs);
            Assert.True(File.Exists(Engine.Audit.AuditLog.For(config).FilePath), "no audit log under " + state);
            Assert.NotEmpty(Directory.EnumerateFiles(logs));
            Assert.StartsWith(incidents, result.IncidentDirectory);
            Assert.True(File.Exists(result.ReportPath));
            Assert.True(checkedEntries > 10, $"only {checkedEntries} entries checked");
        }
        // The parents created on the way to a configured folder lead to the data: private too.
        Assert.Equal(Directory0700, File.GetUnixFileMode(Path.Combine(outside.Directory, "shared")));
    }

    [Fact]
    public async Task A_backup_in_a_configured_directory_is_0700_with_a_0600_dump_and_manifest_under_umask_000()
    {
        using var outside = new TempConfig("placeholder: true");
        var backups = Path.Combine(outside.Directory, "backups");
        using (Umask.Open())
        {
            using var context = new BackupTestContext(_pg, $"directory: {backups}");
            var backup = await context.Manager.BackupAsync(new Engine.Backup.BackupOptions { Reason = "modes" }, new RecordingSink(), CancellationToken.None);
            Assert.NotNull(backup);
            Assert.True(AssertPrivate(backups) >= 3); // folder, dump, manifest
        }
    }

    [Fact]
    public void An_existing_file_keeps_its_mode_and_a_new_one_is_0600()
    {
        using var temp = new TempConfig("placeholder: true");
        using (Umask.Open())
        {
            var existing = Path.Combine(temp.Directory, "shared.txt");
            File.WriteAllText(existing, "x");
            File.SetUnixFileMode(existing, File0600 | UnixFileMode.GroupRead);
            using (PrivateFiles.Open(existing, FileMode.Append, FileAccess.Write, FileShare.None)) { }
            Assert.Equal(File0600 | UnixFileMode.GroupRead, File.GetUnixFileMode(existing));

            var created = Path.Combine(temp.Directory, "a", "b", "new.txt");
            PrivateFiles.WriteAllText(created, "secret");
            Assert.Equal(File0600, File.GetUnixFileMode(created));
            Assert.Equal(Directory0700, File.GetUnixFileMode(Path.Combine(temp.Directory, "a")));
            Assert.Equal(Directory0700, File.GetUnixFileMode(Path.Combine(temp.Directory, "a", "b")));
            Assert.Equal("secret", File.ReadAllText(created));
        }
    }

    /// <summary>Asserts 0700/0600 on the folder and everything under it; returns how many entries it checked.</summary>
    private static int AssertPrivate(string root)
    {
        Assert.True(Directory.Exists(root), root + " was not created");
        var wrong = new List<string>();
        var count = 1;
        if (File.GetUnixFileMode(root) != Directory0700) wrong.Add($"{root} {File.GetUnixFileMode(root)}");
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            count++;
            var expected = Directory.Exists(entry) ? Directory0700 : File0600;
            var mode = File.GetUnixFileMode(entry);
            if (mode != expected) wrong.Add($"{entry} is {Convert.ToString((int)mode, 8)}, expected {Convert.ToString((int)expected, 8)}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        return count;
    }
}
