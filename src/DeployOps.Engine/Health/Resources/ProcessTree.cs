using System.Globalization;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Health.Resources;

/// <summary>The application's processes: its root process(es) and every descendant, read from one pass over /proc.</summary>
internal sealed record ProcessTree(IReadOnlyList<ProcStat> Roots, IReadOnlyList<ProcStat> Members)
{
    /// <summary>"pid 412 (python3) and 2 descendants", for messages.</summary>
    public string Describe
    {
        get
        {
            var roots = string.Join(", ", Roots.Select(r => $"pid {r.Pid} ({r.Command})"));
            var descendants = Members.Count - Roots.Count;
            return descendants == 0 ? roots : $"{roots} and {descendants} descendant{(descendants == 1 ? "" : "s")}";
        }
    }

    /// <summary>The tree the settings name; otherwise why it cannot be found (a missing pid file, no such process),
    /// which makes the resource signals unreadable rather than failing the watch.</summary>
    public static (ProcessTree? Tree, string? Why) Find(ResourceSettings settings, string procRoot)
    {
        var all = All(procRoot);
        List<ProcStat> roots;
        if (settings.PidFile is { } pidFile)
        {
            string text;
            try { text = File.ReadAllText(pidFile).Trim(); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return (null, $"pid file {pidFile} cannot be read: {ex.Message}"); }
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return (null, $"pid file {pidFile} holds '{Shorten(text)}', not a process id");
            if (!all.TryGetValue(pid, out var root)) return (null, $"process {pid} from pid file {pidFile} is not running");
            roots = new List<ProcStat> { root };
        }
        else
        {
            var name = settings.Process!;
            var self = procRoot == "/proc" ? Environment.ProcessId : -1;
            var matches = all.Values.Where(p => p.Pid != self && (p.Command == name || ProgramName(procRoot, p.Pid) == name)).ToDictionary(p => p.Pid);
            roots = matches.Values.Where(p => !matches.ContainsKey(p.ParentPid)).OrderBy(p => p.Pid).ToList();
            if (roots.Count == 0) return (null, $"no process named '{name}' is running");
        }
        return (new ProcessTree(roots, WithDescendants(roots, all)), null);
    }

    /// <summary>Every readable process under <paramref name="procRoot"/>, by pid.</summary>
    private static Dictionary<int, ProcStat> All(string procRoot)
    {
        var all = new Dictionary<int, ProcStat>();
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _) && ProcStat.Read(dir) is { } stat)
                all[stat.Pid] = stat;
        return all;
    }

    private static List<ProcStat> WithDescendants(List<ProcStat> roots, Dictionary<int, ProcStat> all)
    {
        var children = all.Values.ToLookup(p => p.ParentPid);
        var members = new List<ProcStat>();
        var seen = new HashSet<int>();
        var pending = new Queue<ProcStat>(roots);
        while (pending.TryDequeue(out var process))
        {
            if (!seen.Add(process.Pid)) continue;
            members.Add(process);
            foreach (var child in children[process.Pid]) pending.Enqueue(child);
        }
        return members;
    }

    /// <summary>The file name of argv[0] ("/usr/bin/python3 -c …" → python3): comm is cut at 15 characters.</summary>
    private static string? ProgramName(string procRoot, int pid)
    {
        try
        {
            var argv0 = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "cmdline")).Split('\0')[0];
            return argv0.Length == 0 ? null : Path.GetFileName(argv0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
