using System.Globalization;
using System.Runtime.InteropServices;

namespace DeployOps.Engine.Checks.Memory;

/// <summary>Available and total physical memory, and where the numbers came from.</summary>
internal sealed record MemorySnapshot(long AvailableBytes, long TotalBytes, string Source)
{
    public const string ProcMeminfo = "/proc/meminfo";

    public static MemorySnapshot Read()
    {
        if (OperatingSystem.IsLinux() && File.Exists(ProcMeminfo) && Parse(File.ReadAllText(ProcMeminfo)) is { } linux)
            return CgroupMemory.Tighter(linux, CgroupMemory.Read());
        if (OperatingSystem.IsWindows() && Windows() is { } windows) return windows;
        // Elsewhere (macOS) the runtime's view: physical memory (or the container limit) minus what is in use.
        var gc = GC.GetGCMemoryInfo();
        return new MemorySnapshot(Math.Max(0, gc.TotalAvailableMemoryBytes - gc.MemoryLoadBytes), gc.TotalAvailableMemoryBytes, "runtime");
    }

    /// <summary>
    /// Parses /proc/meminfo. MemAvailable is the kernel's own estimate of memory usable without swapping; kernels
    /// before 3.14 lack it, so then free + buffers + page cache + reclaimable slab stands in.
    /// </summary>
    public static MemorySnapshot? Parse(string meminfo)
    {
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in meminfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var parts = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value)) continue;
            var unit = parts.Length > 1 ? parts[1] : "";
            fields[line[..colon].Trim()] = unit.Equals("kB", StringComparison.OrdinalIgnoreCase) ? value * 1024 : value;
        }
        if (!fields.TryGetValue("MemTotal", out var total)) return null;
        if (fields.TryGetValue("MemAvailable", out var available)) return new MemorySnapshot(available, total, ProcMeminfo + " MemAvailable");
        if (!fields.TryGetValue("MemFree", out var free)) return null;
        var estimate = free + fields.GetValueOrDefault("Buffers") + fields.GetValueOrDefault("Cached") + fields.GetValueOrDefault("SReclaimable");
        return new MemorySnapshot(estimate, total, ProcMeminfo + " MemFree+Buffers+Cached+SReclaimable");
    }

    private static MemorySnapshot? Windows()
    {
        var status = new MemoryStatusEx { Length = (uint)Marshal.SizeOf<MemoryStatusEx>() };
        return GlobalMemoryStatusEx(ref status)
            ? new MemorySnapshot((long)status.AvailablePhysical, (long)status.TotalPhysical, "GlobalMemoryStatusEx")
            : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryStatusEx
    {
        public uint Length;
        public uint MemoryLoad;
        public ulong TotalPhysical;
        public ulong AvailablePhysical;
        public ulong TotalPageFile;
        public ulong AvailablePageFile;
        public ulong TotalVirtual;
        public ulong AvailableVirtual;
        public ulong AvailableExtendedVirtual;
    }

    [DllImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool GlobalMemoryStatusEx(ref MemoryStatusEx buffer);
}
