using System.Text.RegularExpressions;

namespace DeployOps.Engine.Traffic;

/// <summary>
/// Knows when a reload has taken effect. <c>nginx -s reload</c> returns before the old workers stop accepting
/// connections, and for a moment old and new workers both answer; probes alone can be fooled by that window.
/// An old worker renames itself "worker process is shutting down" and closes its listening sockets in the same step
/// of its loop, so once none of the pre-reload workers is still a plain "worker process", new connections reach the
/// new configuration.
/// </summary>
internal static partial class NginxWorkers
{
    [GeneratedRegex(@"^\s*pid\s+([^;\s]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex PidDirective();

    [GeneratedRegex(@"(?:^|\s)-p\s+(\S+)")]
    private static partial Regex PrefixArgument();

    /// <summary>The pid file named by the configuration (<c>nginx -T</c> output), resolved against the -p prefix.</summary>
    public static string? PidFileFrom(string dumpedConfig, string arguments)
    {
        var match = PidDirective().Match(dumpedConfig);
        if (!match.Success) return null;
        var path = match.Groups[1].Value;
        if (Path.IsPathRooted(path)) return path;
        var prefix = PrefixArgument().Match(arguments);
        return prefix.Success ? Path.Combine(prefix.Groups[1].Value, path) : null;
    }

    public static int? MasterPid(string? pidFile)
    {
        if (pidFile is null || !OperatingSystem.IsLinux()) return null;
        try { return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) ? pid : null; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Whether an nginx master with this pid is alive (false for no pid).</summary>
    public static bool IsRunning(int? master) => master is { } pid && Directory.Exists($"/proc/{pid}");

    /// <summary>
    /// Runs <paramref name="reload"/> (an <c>nginx -s reload</c> or the operator's reload command) and waits, within
    /// <paramref name="timeout"/>, until the workers that accepted connections before it stop accepting: the signal
    /// returns first, and until then new connections may still reach the old configuration (a backend it routes to,
    /// or the site without its maintenance page). The router and the maintenance page both reload through this.
    /// </summary>
    /// <param name="reload">Signals nginx; false when it did not (nothing to wait for).</param>
    /// <returns>False when the old workers still accepted at the timeout; true otherwise (also without a master to watch).</returns>
    public static async Task<bool> ReloadAsync(int? master, Func<CancellationToken, Task<bool>> reload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var before = master is { } m ? Accepting(m) : new HashSet<int>();
        if (!await reload(cancellationToken).ConfigureAwait(false) || master is null || before.Count == 0) return true;
        var stopped = await Timing.Poll.UntilAsync(_ => Task.FromResult(Accepting(master.Value).Overlaps(before) ? null : before),
            timeout, TimeSpan.FromMilliseconds(10), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        return stopped is not null;
    }

    /// <summary>Whether <paramref name="pid"/> is alive and a child of <paramref name="master"/> (a worker that has not exited).</summary>
    public static bool IsChildOf(int pid, int master) => ParentOf($"/proc/{pid}") == master;

    /// <summary>Workers of <paramref name="master"/> that still accept connections.</summary>
    public static HashSet<int> Accepting(int master) => Workers(master, shuttingDown: false);

    /// <summary>
    /// Workers of <paramref name="master"/> left over from an earlier configuration: they no longer accept connections
    /// but still finish requests they took, possibly to a backend the current configuration marks down.
    /// </summary>
    public static HashSet<int> Retiring(int master) => Workers(master, shuttingDown: true);

    private static HashSet<int> Workers(int master, bool shuttingDown)
    {
        var result = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (ParentOf(dir) != master) continue;
            try
            {
                var title = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                if (title.StartsWith("nginx: worker process", StringComparison.Ordinal) && title.Contains("shutting down", StringComparison.Ordinal) == shuttingDown)
                    result.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked
            }
        }
        return result;
    }

    /// <summary>The parent pid of the process whose /proc folder is <paramref name="procDir"/>; null when it is gone.</summary>
    private static int? ParentOf(string procDir) => Processes.ProcStat.Read(procDir)?.ParentPid;
}
