using System.Globalization;

namespace DeployOps.Engine.Cgroups;

/// <summary>A CPU quota as a number of CPUs (quota / period), and the file it came from.</summary>
internal sealed record CpuLimit(double Cpus, string Source);

/// <summary>
/// The CFS bandwidth limit a process lives under: cgroup v2 cpu.max ("quota period" or "max period"), else v1
/// cpu.cfs_quota_us / cpu.cfs_period_us (-1: none). A process capped at half a CPU is saturated at 50 % of one, so
/// its CPU percentage is measured against the quota, not the host's CPUs.
/// </summary>
internal static class CgroupCpu
{
    /// <summary>The tightest quota from the process's cgroup up to the root; null without one.</summary>
    public static CpuLimit? Tightest(CgroupMembership membership, string root = CgroupMembership.DefaultRoot) =>
        Tightest(membership.V2Folders(root).Select(V2Limit)) ?? Tightest(membership.V1Folders(root, "cpu").Select(V1Limit));

    private static CpuLimit? Tightest(IEnumerable<CpuLimit?> limits)
    {
        CpuLimit? tightest = null;
        foreach (var limit in limits)
            if (limit is not null && (tightest is null || limit.Cpus < tightest.Cpus)) tightest = limit;
        return tightest;
    }

    private static CpuLimit? V2Limit(string directory)
    {
        var file = Path.Combine(directory, "cpu.max");
        var parts = CgroupFiles.Text(file)?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not { Length: 2 } || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var quota)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var period) || quota <= 0 || period <= 0)
            return null; // "max 100000": no quota
        return new CpuLimit((double)quota / period, $"{file} {quota}/{period} (cgroup v2 quota)");
    }

    private static CpuLimit? V1Limit(string directory)
    {
        var quotaFile = Path.Combine(directory, "cpu.cfs_quota_us");
        if (CgroupFiles.Number(quotaFile) is not { } quota || quota <= 0
            || CgroupFiles.Number(Path.Combine(directory, "cpu.cfs_period_us")) is not { } period || period <= 0)
            return null;
        return new CpuLimit((double)quota / period, $"{quotaFile} {quota}/cpu.cfs_period_us {period} (cgroup v1 quota)");
    }
}
