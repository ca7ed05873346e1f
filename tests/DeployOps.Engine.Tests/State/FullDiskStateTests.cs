using DeployOps.Engine.Audit;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.StateStore; // not "...Tests.State": that would shadow DeployOps.Engine.State in other tests

/// <summary>
/// Issue 11 §3: a full disk under the state directory is reported with the documented ErrorIds (StateStoreUnavailable,
/// JournalWriteFailed, AuditWriteFailed), never as a bare System.IO.IOException — on a real 64 KiB tmpfs filled to the
/// last byte.
/// </summary>
public sealed class FullDiskStateTests : IDisposable
{
    private const string App = "shop";
    private const string Env = "prod";
    private readonly string _mount = ExternalProcess.TempDirectory("fulldisk");
    private readonly string _filler;

    public FullDiskStateTests()
    {
        Run("mount", $"-t tmpfs -o size=64k,mode=0700 deployops-fulldisk {_mount}");
        _filler = Path.Combine(_mount, "filler");
    }

    private string StateDirectory => Path.Combine(_mount, "state");

    private IDeploymentStore OpenStore() => DeploymentStore.Open(StateSettings.ForDirectory(StateDirectory), App, Env, StateTest.Redactor);

    /// <summary>Writes until the file system refuses: afterwards not one more byte fits.</summary>
    private void FillDisk()
    {
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, 1);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException) { }
        var probe = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(_mount, "probe"), new string('x', 8192)));
        AssertSaysDiskFull(probe.Message);
    }

    private void FreeDisk() => File.Delete(_filler);

    /// <summary>.NET words ENOSPC as "No space left on device" or "… because the disk was full", depending on the call.</summary>
    private static void AssertSaysDiskFull(string message) =>
        Assert.True(message.Contains("space", StringComparison.OrdinalIgnoreCase) || message.Contains("full", StringComparison.OrdinalIgnoreCase), message);

    [Fact]
    public async Task Taking_the_lock_on_a_full_disk_is_StateStoreUnavailable_and_leaves_no_lock_behind()
    {
        FillDisk();
        await using var store = OpenStore();
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => store.AcquireLockAsync("full-1", CancellationToken.None));
        Assert.Equal(ErrorIds.StateStoreUnavailable, error.ErrorId);
        Assert.Contains(StateDirectory, error.Message);
        AssertSaysDiskFull(error.Message);

        FreeDisk();
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
        await using var next = await store.AcquireLockAsync("after-1", CancellationToken.None);
        Assert.Equal("after-1", next.Holder.DeploymentId);
    }

    [Fact]
    public async Task Starting_a_deployment_on_a_full_disk_is_a_state_error_not_an_IOException()
    {
        await using var store = OpenStore();
        await using (await store.AcquireLockAsync("warm-1", CancellationToken.None)) { } // directories exist, lock file too
        FillDisk();
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => DeploymentTracker.StartAsync(store, StateTest.Start(id: "full-2"), CancellationToken.None));
        Assert.Contains(error.ErrorId, new[] { ErrorIds.StateStoreUnavailable, ErrorIds.JournalWriteFailed });
        AssertSaysDiskFull(error.Message);

        FreeDisk();
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Disk_filling_up_mid_deployment_is_JournalWriteFailed_and_the_lock_is_released()
    {
        await using var store = OpenStore();
        var tracker = await DeploymentTracker.StartAsync(store, StateTest.Start(id: "full-3"), CancellationToken.None);
        await tracker.PhaseStartedAsync("deploy", CancellationToken.None);
        FillDisk();

        var error = await Assert.ThrowsAsync<DeployOpsException>(() => tracker.PhaseCompletedAsync("deploy", new string('d', 16 * 1024), CancellationToken.None));
        Assert.Equal(ErrorIds.JournalWriteFailed, error.ErrorId);
        AssertSaysDiskFull(error.Message);
        var ended = await Assert.ThrowsAsync<DeployOpsException>(() => tracker.FinishAsync(DeploymentOutcome.Failed, error.Message, CancellationToken.None));
        Assert.Equal(ErrorIds.JournalWriteFailed, ended.ErrorId);
        await tracker.DisposeAsync();

        FreeDisk();
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
        var record = await store.GetAsync("full-3", CancellationToken.None);
        Assert.NotNull(record);
        await using var next = await store.AcquireLockAsync("after-3", CancellationToken.None);
    }

    [Fact]
    public void Audit_line_on_a_full_disk_is_AuditWriteFailed()
    {
        Directory.CreateDirectory(StateDirectory);
        var audit = new AuditLog(StateDirectory, new Redactor(), App, Env);
        audit.Write("Test-Disk", "before", "target", "Succeeded");
        FillDisk();
        var error = Assert.Throws<DeployOpsException>(() => audit.Write("Test-Disk", new string('a', 8192), "target", "Succeeded"));
        Assert.Equal(ErrorIds.AuditWriteFailed, error.ErrorId);
        AssertSaysDiskFull(error.Message);
    }

    public void Dispose()
    {
        Run("umount", "-l " + _mount); // lazy: a failed test may still hold a file open in it
        Directory.Delete(_mount);
    }

    private static void Run(string file, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error}. These tests need root to mount a tmpfs.");
    }
}
