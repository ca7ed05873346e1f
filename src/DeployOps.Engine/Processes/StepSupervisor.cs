namespace DeployOps.Engine.Processes;

/// <summary>
/// The wrapper every supervised child runs under: <c>setsid</c> makes it the leader of a new session and process
/// group, it starts the real program in the background (stdin from /dev/null) and watches its own stdin, a pipe only
/// we hold. When that pipe reaches EOF — we closed it on cancel, or our process died however it died, kill -9 and
/// OOM included — it ends the whole group: TERM, then KILL after the grace period. setpriv --pdeathsig alone would
/// reach only the direct child, not what a step's shell starts. A step that ends normally leaves its group alone, so
/// a daemon it starts on purpose keeps running.
/// </summary>
internal static class StepSupervisor
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    // $1 = grace seconds, $2… = the program and its arguments, passed as data ("$@"), never parsed.
    internal const string Script = """
        grace=$1; shift
        exec 3<&0
        "$@" </dev/null 3<&- &
        child=$!
        { trap '' TERM; while read -r -u 3 _; do :; done; kill -TERM -- -$$ 2>/dev/null; sleep "$grace"; kill -KILL -- -$$ 2>/dev/null; } 3<&3 </dev/null >/dev/null 2>&1 &
        watcher=$!
        disown "$watcher" # killing it later must not print a job notice into the step's output
        exec 3<&-
        wait "$child"; code=$?
        kill -KILL "$watcher" 2>/dev/null
        exit "$code"
        """;

    /// <summary>setsid bash -c SCRIPT deployops-supervisor GRACE program args…</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Wrap(string fileName, IReadOnlyList<string> arguments)
    {
        var args = new List<string> { "/bin/bash", "-c", Script, "deployops-supervisor",
            ((int)Grace.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), fileName };
        args.AddRange(arguments);
        return ("setsid", args);
    }

    /// <summary>setsid program args…: its own group, so cancelling ends everything it started.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) NewGroup(string fileName, IReadOnlyList<string> arguments)
    {
        var args = new List<string> { fileName };
        args.AddRange(arguments);
        return ("setsid", args);
    }
}
