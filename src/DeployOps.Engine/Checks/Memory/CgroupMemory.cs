using System.Globalization;

namespace DeployOps.Engine.Checks.Memory;

/// <summary>
/// The cgroup v2 memory limit the current process lives under. /proc/meminfo shows the host, but in a container
/// or a systemd slice the kernel kills the process at the cgroup's memory.max long before the host runs out.
/// The roots are parameters so tests can point the reader at a fixture tree when the real hierarchy is read-only.
/// </summary>
internal static class CgroupMemory
{
    public const string DefaultRoot = "/sys/fs/cgroup";
    public const string SelfCgroup = "/proc/self/cgroup";

    /// <summary>
    /// The tightest memory.max on the way from the process's cgroup up to the root, with that cgroup's usage
    /// (memory.current minus its inactive file cache, which the kernel reclaims before it kills); null without a
    /// cgroup v2 membership or a numeric limit.
    /// </summary>
    public static MemorySnapshot? Read(string cgroupFile = SelfCgroup, string root = DefaultRoot)
    {
        if (!File.Exists(cgroupFile)) return null;
        // cgroup v2 is the one line of hierarchy 0 with no controllers: "0::/path".
        var line = File.ReadAllLines(cgroupFile).FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        if (line is null) return null;
        MemorySnapshot? tightest = null;
        for (var relative = line[3..].Trim('/'); ; relative = Parent(relative))
        {
            var directory = relative.Length == 0 ? root : Path.Combine(root, relative);
            if (ReadLimit(directory) is { } limit && (tightest is null || limit.TotalBytes < tightest.TotalBytes)) tightest = limit;
            if (relative.Length == 0) return tightest;
        }
    }

    /// <summary>Of the host's and the cgroup's, the snapshot with less available memory (the one that binds).</summary>
    public static MemorySnapshot Tighter(MemorySnapshot host, MemorySnapshot? cgroup) =>
        cgroup is not null && cgroup.AvailableBytes < host.AvailableBytes ? cgroup : host;

    private static MemorySnapshot? ReadLimit(string directory)
    {
        var maxFile = Path.Combine(directory, "memory.max");
        if (ReadNumber(maxFile) is not { } max || ReadNumber(Path.Combine(directory, "memory.current")) is not { } current) return null;
        var inactiveFile = ReadStat(Path.Combine(directory, "memory.stat"), "inactive_file") ?? 0;
        var used = Math.Max(0, current - inactiveFile);
        return new MemorySnapshot(Math.Max(0, max - used), max, $"{maxFile} (cgroup v2 limit)");
    }

    /// <summary>A file holding one number; null when absent or "max" (no limit).</summary>
    private static long? ReadNumber(string file) =>
        File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static long? ReadStat(string file, string key)
    {
        if (!File.Exists(file)) return null;
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
        }
        return null;
    }

    private static string Parent(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "" : relative[..slash];
    }
}
