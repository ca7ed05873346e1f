using DeployOps.Engine.Cgroups;
using DeployOps.Engine.Checks.Memory;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The one cgroup reader on fixture trees for the layouts this host does not have: cgroup v1 with a combined
/// "cpu,cpuacct" mount and limits on an ancestor, v1's "no limit" value, and hybrid hosts (a "0::/" line whose
/// unified hierarchy has no controllers, so v1 answers).
/// </summary>
public sealed class CgroupLimitTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly string _root = Directory.CreateTempSubdirectory("deployops-cgroup-v1-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Fs => Path.Combine(_root, "fs");

    private CgroupMembership Membership(string text)
    {
        var file = Path.Combine(_root, "cgroup");
        File.WriteAllText(file, text);
        return CgroupMembership.Read(file)!;
    }

    private void Write(string relative, string file, string content)
    {
        var dir = Path.Combine(Fs, relative);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, file), content + "\n");
    }

    [Fact] // synchronous file reads only: nothing to hang on
    public void On_a_hybrid_v1_host_the_tightest_ancestor_limits_bind_and_the_no_limit_value_is_ignored()
    {
        var membership = Membership("12:memory:/system.slice/shop.service\n4:cpu,cpuacct:/system.slice/shop.service\n0::/system.slice/shop.service\n");
        Write("memory", "memory.limit_in_bytes", "9223372036854771712");
        Write("memory", "memory.usage_in_bytes", (3000 * MiB).ToString());
        Write("memory/system.slice", "memory.limit_in_bytes", (512 * MiB).ToString());
        Write("memory/system.slice", "memory.usage_in_bytes", (400 * MiB).ToString());
        Write("memory/system.slice", "memory.stat", $"cache 1\ninactive_file 7\ntotal_inactive_file {100 * MiB}");
        Write("memory/system.slice/shop.service", "memory.limit_in_bytes", "9223372036854771712");
        Write("memory/system.slice/shop.service", "memory.usage_in_bytes", (300 * MiB).ToString());
        Write("cpu,cpuacct/system.slice", "cpu.cfs_quota_us", "50000");
        Write("cpu,cpuacct/system.slice", "cpu.cfs_period_us", "100000");
        Write("cpu,cpuacct/system.slice/shop.service", "cpu.cfs_quota_us", "-1");
        Write("cpu,cpuacct/system.slice/shop.service", "cpu.cfs_period_us", "100000");
        Write("", "cgroup.controllers", ""); // the unified hierarchy at the root: no memory.max, no cpu.max

        var memory = CgroupMemory.Tightest(membership, Fs)!;
        Assert.Equal((512 * MiB, 212 * MiB), (memory.TotalBytes, memory.AvailableBytes)); // 512 − (400 − 100 reclaimable)
        Assert.Equal($"{Fs}/memory/system.slice/memory.limit_in_bytes (cgroup v1 limit)", memory.Source);

        var cpu = CgroupCpu.Tightest(membership, Fs)!;
        Assert.Equal(0.5, cpu.Cpus);
        Assert.Equal($"{Fs}/cpu,cpuacct/system.slice/cpu.cfs_quota_us 50000/cpu.cfs_period_us 100000 (cgroup v1 quota)", cpu.Source);
    }

    [Fact]
    public void A_v1_hierarchy_mounted_per_controller_and_no_limit_anywhere_read_as_none()
    {
        var membership = Membership("3:cpu:/\n2:cpuacct:/\n1:memory:/\n");
        Write("memory", "memory.limit_in_bytes", "9223372036854771712");
        Write("memory", "memory.usage_in_bytes", "1000");
        Write("cpu", "cpu.cfs_quota_us", "-1");
        Write("cpu", "cpu.cfs_period_us", "100000");
        Assert.Null(CgroupMemory.Tightest(membership, Fs));
        Assert.Null(CgroupCpu.Tightest(membership, Fs));
        Assert.Null(CgroupMembership.Read(Path.Combine(_root, "absent")));
    }

    [Fact]
    public void On_cgroup_v2_the_tightest_cpu_max_up_the_tree_binds_and_max_is_no_quota()
    {
        var membership = Membership("0::/a/b\n");
        Write("", "cpu.max", "max 100000");
        Write("a", "cpu.max", "200000 100000");
        Write("a/b", "cpu.max", "300000 100000");
        var cpu = CgroupCpu.Tightest(membership, Fs)!;
        Assert.Equal((2.0, $"{Fs}/a/cpu.max 200000/100000 (cgroup v2 quota)"), (cpu.Cpus, cpu.Source));
    }
}
