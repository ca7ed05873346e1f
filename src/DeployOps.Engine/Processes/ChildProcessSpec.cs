namespace DeployOps.Engine.Processes;

/// <summary>What to start: a program and its argument vector. No shell parses anything unless the program is one.</summary>
internal sealed class ChildProcessSpec
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = Array.Empty<string>();
    public string? WorkingDirectory { get; init; }
    /// <summary>
    /// Set on top of the scrubbed inherited environment (<see cref="ChildEnvironment"/>); null removes a variable.
    /// A name set here is exported on purpose, even when a <c>${env:NAME}</c> reference resolved it.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    /// <summary>Kills the process group when it fires; the result then says TimedOut.</summary>
    public TimeSpan Timeout { get; init; } = System.Threading.Timeout.InfiniteTimeSpan;
    /// <summary>How many trailing output lines to keep for messages.</summary>
    public int TailLines { get; init; } = 20;
    /// <summary>
    /// The caller writes the child's stdin (psql fed by pg_restore). Such a child ends by itself when our end of its
    /// stdin closes, so it runs without the supervisor, whose lifeline is the stdin pipe.
    /// </summary>
    public bool WritesStandardInput { get; init; }
    /// <summary>The caller reads stdout as a stream (pg_restore piped into psql); only stderr is captured as lines.</summary>
    public bool ReadsStandardOutput { get; init; }
    /// <summary>
    /// Run on this host over ssh instead of here (<see cref="SshTransport"/>): <see cref="Environment"/> is then the
    /// whole remote environment besides a minimal PATH/HOME/LANG, and <see cref="RemoteWorkingDirectory"/> its folder.
    /// </summary>
    public Targets.SshTarget? Remote { get; init; }
    /// <summary>The remote folder (relative to the user's home); null: the home folder.</summary>
    public string? RemoteWorkingDirectory { get; init; }
    /// <summary>Called once the child runs, before its output is awaited: the deployment journals it.</summary>
    public Func<ChildProcessStarted, Task>? OnStarted { get; init; }
    /// <summary>Called once the child's group was waited for or ended (also on cancel), with how it ended.</summary>
    public Func<ChildProcessStarted, ChildProcessResult, Task>? OnEnded { get; init; }

    /// <summary>A configured command line run by bash (default), sh or pwsh: the one place a text becomes code.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Shell(string shell, string command) => shell.ToLowerInvariant() switch
    {
        "pwsh" => ("pwsh", new[] { "-NoProfile", "-NonInteractive", "-Command", command }),
        "sh" => ("/bin/sh", new[] { "-c", command }),
        "bash" => ("/bin/bash", new[] { "-c", command }),
        var other => throw new ArgumentException($"unknown shell '{other}' (use bash, sh or pwsh)"),
    };
}

/// <summary>A child that runs: its pid, its process group (its own session) and when the kernel started it.</summary>
internal sealed record ChildProcessStarted(int ProcessId, int ProcessGroupId, long StartTicks, string BootId);

/// <summary>How a child ended: exit code (null when it timed out or was cancelled), bounded output and its tail.</summary>
internal sealed class ChildProcessResult
{
    public ChildProcessResult(int? exitCode, bool timedOut, TimeSpan duration, string output, IReadOnlyList<string> tail)
    {
        ExitCode = exitCode;
        TimedOut = timedOut;
        Duration = duration;
        Output = output;
        Tail = tail;
    }

    public int? ExitCode { get; }
    public bool TimedOut { get; }
    public TimeSpan Duration { get; }
    /// <summary>stdout and stderr interleaved as they arrived; only the last <see cref="OutputCapture.MaxChars"/> characters.</summary>
    public string Output { get; }
    public IReadOnlyList<string> Tail { get; }
    public bool Succeeded => ExitCode == 0 && !TimedOut;
    public string TailText => string.Join(System.Environment.NewLine, Tail);
}

/// <summary>The caller's token was cancelled; the child's process group is gone and <see cref="Partial"/> holds what it printed.</summary>
internal sealed class ChildProcessCanceledException : OperationCanceledException
{
    public ChildProcessCanceledException(ChildProcessResult partial, CancellationToken token)
        : base("The child process was cancelled.", token) => Partial = partial;

    public ChildProcessResult Partial { get; }
}
