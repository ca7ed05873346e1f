using System.Globalization;
using System.Runtime.InteropServices;

namespace DeployOps.Engine.Processes;

/// <summary>Linux process groups as /proc shows them, and signals to a whole group.</summary>
internal static class ProcessGroup
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    /// <summary>Signals every process of group <paramref name="pgid"/>; false when the group no longer exists.</summary>
    public static bool Signal(int pgid, int signal) => pgid > 1 && OperatingSystem.IsLinux() && SysKill(-pgid, signal) == 0;

    /// <summary>This boot's id: a pid and start time recorded under another boot name nothing alive now.</summary>
    public static string BootId()
    {
        try { return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Process group and start time (clock ticks after boot) of a live process; null when it is gone.</summary>
    public static (int ProcessGroupId, long StartTicks)? Stat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
        // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state): pgrp is field 5, starttime field 22.
        if (fields.Length < 20 || fields[0] == "Z") return null;
        return (int.Parse(fields[2], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    /// <summary>The live (not zombie) members of group <paramref name="pgid"/> with their start times.</summary>
    public static IReadOnlyList<(int Pid, long StartTicks)> Members(int pgid)
    {
        var members = new List<(int, long)>();
        if (!Directory.Exists("/proc")) return members;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (Stat(pid) is { } stat && stat.ProcessGroupId == pgid) members.Add((pid, stat.StartTicks));
        }
        return members;
    }

    /// <summary>True when the process's environment holds <paramref name="entry"/> (NAME=value); null when unreadable.</summary>
    public static bool? EnvironmentContains(int pid, string entry)
    {
        try
        {
            var raw = File.ReadAllBytes($"/proc/{pid}/environ");
            return System.Text.Encoding.UTF8.GetString(raw).Split('\0').Contains(entry, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }
}
