namespace DeployOps.Engine.Cgroups;

/// <summary>
/// Which cgroups a process belongs to, from <c>/proc/&lt;pid&gt;/cgroup</c>: the cgroup v2 path (the line "0::/path")
/// and, on a v1 or hybrid host, one path per v1 hierarchy ("4:memory:/path", "2:cpu,cpuacct:/path").
/// Limits are read from the cgroup's own folder up to the hierarchy's root, since any ancestor's limit binds too.
/// </summary>
internal sealed class CgroupMembership
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    private readonly Dictionary<string, (string Mount, string Path)> _v1 = new(StringComparer.Ordinal);

    private CgroupMembership(string? v2Path) => V2Path = v2Path;

    /// <summary>The cgroup v2 path relative to the unified hierarchy's root (null without a "0::" line).</summary>
    public string? V2Path { get; }

    /// <summary>The membership listed in <paramref name="cgroupFile"/>; null when the file is absent (the process is gone, or not Linux).</summary>
    public static CgroupMembership? Read(string cgroupFile)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(cgroupFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var v2 = lines.FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        var membership = new CgroupMembership(v2?[3..]);
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || parts[0] == "0" || parts[1].Length == 0) continue;
            foreach (var controller in parts[1].Split(','))
                membership._v1[controller] = (parts[1], parts[2]);
        }
        return membership;
    }

    /// <summary>The cgroup v2 folders from the process's own up to <paramref name="root"/>.</summary>
    public IEnumerable<string> V2Folders(string root) => V2Path is { } path ? Upwards(root, path) : Array.Empty<string>();

    /// <summary>
    /// The v1 <paramref name="controller"/> hierarchy's folders from the process's cgroup up to its root. The hierarchy
    /// is mounted at root/&lt;its controllers&gt; ("cpu,cpuacct"), often also linked as root/&lt;controller&gt;.
    /// </summary>
    public IEnumerable<string> V1Folders(string root, string controller)
    {
        if (!_v1.TryGetValue(controller, out var entry)) return Array.Empty<string>();
        var mount = Path.Combine(root, entry.Mount);
        if (!Directory.Exists(mount)) mount = Path.Combine(root, controller);
        return Upwards(mount, entry.Path);
    }

    private static IEnumerable<string> Upwards(string root, string path)
    {
        for (var relative = path.Trim('/'); ; relative = Parent(relative))
        {
            yield return relative.Length == 0 ? root : Path.Combine(root, relative);
            if (relative.Length == 0) yield break;
        }
    }

    private static string Parent(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "" : relative[..slash];
    }
}
