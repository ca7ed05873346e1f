using DeployOps.Engine.Files;
using DeployOps.Engine.Tests.Security;

namespace DeployOps.Engine.Tests.Files;

[Collection(UmaskCollection.Name)] // sets the umask: never beside other tests
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deployops-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Replaces_the_content_and_leaves_no_temp_file_behind()
    {
        var path = Path.Combine(_dir, "upstream.conf");
        AtomicFile.Write(path, "old", FileReaders.Umask);
        AtomicFile.Write(path, "new", FileReaders.Umask);
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(new[] { "upstream.conf" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Concurrent_writers_never_share_a_temp_file_and_a_reader_never_sees_a_partial_write()
    {
        // A fixed temp name (path + ".tmp") let two writers truncate each other's file and one rename fail.
        var path = Path.Combine(_dir, "approval.json");
        var contents = Enumerable.Range(0, 16).Select(i => new string((char)('a' + i), 64 * 1024)).ToArray();
        AtomicFile.Write(path, contents[0], FileReaders.Owner);
        using var stop = new CancellationTokenSource();
        var partial = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var text = File.ReadAllText(path);
                if (!contents.Contains(text)) Interlocked.Increment(ref partial);
            }
        });
        await Task.WhenAll(contents.Select(c => Task.Run(() =>
        {
            for (var i = 0; i < 10; i++) AtomicFile.Write(path, c, FileReaders.Owner);
        })));
        await stop.CancelAsync();
        await reader;
        Assert.Equal(0, partial);
        Assert.Contains(File.ReadAllText(path), contents);
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Owner_files_are_0600_and_umask_files_follow_the_umask()
    {
        using var _ = Umask.Open();
        var owner = Path.Combine(_dir, "state", "record.json");
        var shared = Path.Combine(_dir, "maintenance.conf");
        AtomicFile.Write(owner, "{}", FileReaders.Owner);
        AtomicFile.Write(shared, "return 503;", FileReaders.Umask);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(owner));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(owner)!));
        // umask 000: nginx's workers (another user) can read what they must read.
        Assert.True(File.GetUnixFileMode(shared).HasFlag(UnixFileMode.OtherRead));
    }

    [Fact]
    public void A_temp_name_never_matches_an_include_glob()
    {
        // nginx includes *.conf: a temp file it could read mid-write would be loaded as configuration.
        var path = Path.Combine(_dir, "deployops-upstream.conf");
        var seen = new List<string>();
        using var watcher = new FileSystemWatcher(_dir) { EnableRaisingEvents = true };
        watcher.Created += (_, e) => { lock (seen) seen.Add(e.Name!); };
        for (var i = 0; i < 5; i++) AtomicFile.Write(path, $"server 127.0.0.1:{8000 + i};", FileReaders.Umask);
        Thread.Sleep(200);
        lock (seen)
        {
            Assert.NotEmpty(seen);
            Assert.All(seen.Where(n => n != "deployops-upstream.conf"), n =>
            {
                Assert.StartsWith(".", n);
                Assert.EndsWith(".tmp", n);
            });
        }
    }

    [Fact]
    public void A_write_that_fails_leaves_the_old_content_and_no_temp_file()
    {
        var path = Path.Combine(_dir, "record.json");
        AtomicFile.Write(path, "old", FileReaders.Owner);
        Directory.CreateDirectory(Path.Combine(_dir, "blocker"));
        // Renaming a file over a directory fails after the temp file was written.
        Assert.ThrowsAny<IOException>(() => AtomicFile.Write(Path.Combine(_dir, "blocker"), "new", FileReaders.Owner));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { "blocker", "record.json" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void The_folder_is_flushed_so_the_rename_survives_a_power_loss()
    {
        Assert.True(AtomicFile.FlushDirectory(_dir));
        Assert.False(AtomicFile.FlushDirectory(Path.Combine(_dir, "missing")));
    }
}
