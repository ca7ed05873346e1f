using DeployOps.Engine.Cgroups;

namespace DeployOps.Engine.Checks.Memory;

/// <summary>
/// The cgroup memory limit a process lives under (cgroup v2 memory.max, else v1 memory.limit_in_bytes). /proc/meminfo
/// shows the host, but in a container or a systemd slice the kernel kills the process at the cgroup's limit long
/// before the host runs out. The roots are parameters so tests can point the reader at a fixture tree.
/// </summary>
internal static class CgroupMemory
{
    public const string DefaultRoot = CgroupMembership.DefaultRoot;
    public const string SelfCgroup = "/proc/self/cgroup";

    /// <summary>
    /// The tightest limit on the way from the process's cgroup up to the root, with that cgroup's usage (memory.current
    /// or v1 memory.usage_in_bytes, minus its inactive file cache, which the kernel reclaims before it kills); null
    /// without a cgroup membership or a numeric limit.
    /// </summary>
    public static MemorySnapshot? Read(string cgroupFile = SelfCgroup, string root = DefaultRoot) =>
        CgroupMembership.Read(cgroupFile) is { } membership ? Tightest(membership, root) : null;

    /// <summary>The tightest limit of <paramref name="membership"/>: v2 when its files are there, else v1 (hybrid hosts
    /// mount the memory controller on v1).</summary>
    public static MemorySnapshot? Tightest(CgroupMembership membership, string root = DefaultRoot) =>
        Tightest(membership.V2Folders(root).Select(V2Limit)) ?? Tightest(membership.V1Folders(root, "memory").Select(V1Limit));

    /// <summary>Of the host's and the cgroup's, the snapshot with less available memory (the one that binds).</summary>
    public static MemorySnapshot Tighter(MemorySnapshot host, MemorySnapshot? cgroup) =>
        cgroup is not null && cgroup.AvailableBytes < host.AvailableBytes ? cgroup : host;

    private static MemorySnapshot? Tightest(IEnumerable<MemorySnapshot?> limits)
    {
        MemorySnapshot? tightest = null;
        foreach (var limit in limits)
            if (limit is not null && (tightest is null || limit.TotalBytes < tightest.TotalBytes)) tightest = limit;
        return tightest;
    }

    private static MemorySnapshot? V2Limit(string directory)
    {
        var maxFile = Path.Combine(directory, "memory.max");
        if (CgroupFiles.Number(maxFile) is not { } max || CgroupFiles.Number(Path.Combine(directory, "memory.current")) is not { } current) return null;
        return Snapshot(max, current, CgroupFiles.Stat(Path.Combine(directory, "memory.stat"), "inactive_file"), $"{maxFile} (cgroup v2 limit)");
    }

    private static MemorySnapshot? V1Limit(string directory)
    {
        var limitFile = Path.Combine(directory, "memory.limit_in_bytes");
        if (CgroupFiles.Number(limitFile) is not { } limit || limit >= CgroupFiles.V1Unlimited
            || CgroupFiles.Number(Path.Combine(directory, "memory.usage_in_bytes")) is not { } usage) return null;
        // v1's memory.stat counts the cgroup's own pages as inactive_file and its subtree's as total_inactive_file.
        return Snapshot(limit, usage, CgroupFiles.Stat(Path.Combine(directory, "memory.stat"), "total_inactive_file"), $"{limitFile} (cgroup v1 limit)");
    }

    private static MemorySnapshot Snapshot(long limit, long usage, long? inactiveFile, string source)
    {
        var used = Math.Max(0, usage - (inactiveFile ?? 0));
        return new MemorySnapshot(Math.Max(0, limit - used), limit, source);
    }
}
