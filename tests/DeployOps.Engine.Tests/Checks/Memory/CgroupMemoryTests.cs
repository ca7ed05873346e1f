using DeployOps.Engine.Checks;
using DeployOps.Engine.Checks.Memory;

namespace DeployOps.Engine.Tests.Checks.Memory;

/// <summary>
/// The memory check under a cgroup v2 limit. This machine's /sys/fs/cgroup is a cgroup v1 hierarchy (no cgroup2
/// mount to create a child in), so the reader is pointed at a fixture tree laid out like the kernel's.
/// </summary>
public sealed class CgroupMemoryTests : IDisposable
{
    private const long GiB = 1L << 30;
    private readonly string _root = Directory.CreateTempSubdirectory("deployops-cgroup-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string SelfCgroup(string path)
    {
        var file = Path.Combine(_root, "self-cgroup");
        File.WriteAllText(file, $"0::{path}\n");
        return file;
    }

    private void Cgroup(string relative, string max, long current, long inactiveFile = 0)
    {
        var directory = Path.Combine(_root, "fs", relative);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "memory.max"), max + "\n");
        File.WriteAllText(Path.Combine(directory, "memory.current"), current + "\n");
        File.WriteAllText(Path.Combine(directory, "memory.stat"), $"anon {current - inactiveFile}\nfile {inactiveFile}\ninactive_file {inactiveFile}\n");
    }

    [Fact(Timeout = 10_000)]
    public async Task The_tightest_limit_above_the_process_binds_and_inactive_cache_counts_as_available()
    {
        Cgroup("system.slice", "max", 10 * GiB);
        Cgroup("system.slice/deploy.service", (2 * GiB).ToString(), 1536L << 20, inactiveFile: 512L << 20);
        Cgroup("system.slice/deploy.service/worker", "max", 1536L << 20);

        var snapshot = CgroupMemory.Read(SelfCgroup("/system.slice/deploy.service/worker"), Path.Combine(_root, "fs"))!;

        Assert.Equal(2 * GiB, snapshot.TotalBytes);
        Assert.Equal(GiB, snapshot.AvailableBytes); // 2 GiB − (1.5 GiB − 0.5 GiB reclaimable cache)
        Assert.Equal(Path.Combine(_root, "fs", "system.slice/deploy.service", "memory.max") + " (cgroup v2 limit)", snapshot.Source);

        // The check judges the limit, not the 64 GiB host: 1 GiB available fails a 4 GiB requirement.
        var host = new MemorySnapshot(60 * GiB, 64 * GiB, MemorySnapshot.ProcMeminfo + " MemAvailable");
        var outcome = await new MemoryCheck(4 * GiB, null, () => CgroupMemory.Tighter(host, snapshot)).RunAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Failed, outcome.Status);
        Assert.Equal("only 1.07 GB of 2.15 GB memory available; at least 4.29 GB is required", outcome.Message);
        Assert.Equal(snapshot.Source, outcome.Data["source"]);
    }

    [Fact] // synchronous file reads only: nothing to hang on (xunit timeouts need async tests)
    public void Without_a_numeric_limit_or_cgroup_v2_membership_the_host_view_stays()
    {
        Cgroup("user.slice", "max", GiB);
        Assert.Null(CgroupMemory.Read(SelfCgroup("/user.slice"), Path.Combine(_root, "fs")));

        var v1Only = Path.Combine(_root, "v1-cgroup");
        File.WriteAllText(v1Only, "4:memory:/docker/abc\n1:cpu:/\n");
        Assert.Null(CgroupMemory.Read(v1Only, Path.Combine(_root, "fs")));
        Assert.Null(CgroupMemory.Read(Path.Combine(_root, "absent"), Path.Combine(_root, "fs")));

        var host = new MemorySnapshot(GiB, 8 * GiB, MemorySnapshot.ProcMeminfo + " MemAvailable");
        Assert.Same(host, CgroupMemory.Tighter(host, null));
        // A limit with more room than the host has left does not bind.
        Assert.Same(host, CgroupMemory.Tighter(host, new MemorySnapshot(4 * GiB, 6 * GiB, "cgroup")));
    }
}
