using System.Globalization;

namespace DeployOps.Engine.Processes;

/// <summary>
/// The fields DeployOps reads from a Linux <c>/proc/&lt;pid&gt;/stat</c>: the parent (to walk a process tree), the CPU
/// time spent (user + system, in clock ticks) and the resident set (pages). The one parser of that file.
/// </summary>
internal sealed record ProcStat(int Pid, int ParentPid, string Command, long CpuTicks, long RssPages)
{
    /// <summary>USER_HZ, the unit of utime/stime in /proc: 100 on every Linux ABI (the kernel converts from its own HZ).</summary>
    public const int TicksPerSecond = 100;

    /// <summary>The stat of the process whose /proc folder is <paramref name="procDir"/>; null when it is gone or unreadable.</summary>
    public static ProcStat? Read(string procDir)
    {
        try
        {
            return Parse(File.ReadAllText(Path.Combine(procDir, "stat")));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // the process ended while we looked
        }
    }

    /// <summary>Parses one stat line. The command (in parentheses) may hold spaces and ')' itself, so fields are
    /// counted from the last ')'.</summary>
    public static ProcStat? Parse(string stat)
    {
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        if (open <= 0 || close < open || close + 2 > stat.Length) return null;
        // After ") ": state(3) ppid(4) … utime(14) stime(15) … rss(24); index = field number − 3.
        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 22 || !int.TryParse(stat[..open].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            || !long.TryParse(fields[21], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rss))
            return null;
        return new ProcStat(pid, parent, stat[(open + 1)..close], user + system, Math.Max(0, rss));
    }
}
