using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Clients;

/// <summary>A command line to run through a shell, as configured in steps, checks and hooks.</summary>
internal sealed class ShellCommandSpec
{
    public required string Command { get; init; }
    /// <summary>
    /// When set, <see cref="Command"/> is a program started directly with these arguments (ProcessStartInfo.ArgumentList):
    /// no shell parses anything, so arguments need no quoting. <see cref="Shell"/> is ignored.
    /// </summary>
    public IReadOnlyList<string>? Arguments { get; init; }
    /// <summary>bash (default), sh or pwsh.</summary>
    public string Shell { get; init; } = "bash";
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How many trailing output lines to keep for messages.</summary>
    public int TailLines { get; init; } = 20;
}

/// <summary>How a command ended: exit code (null when it timed out or was cancelled), full output and its tail.</summary>
internal sealed class ShellCommandResult
{
    public ShellCommandResult(int? exitCode, bool timedOut, TimeSpan duration, string output, IReadOnlyList<string> tail)
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
    /// <summary>stdout and stderr interleaved as they arrived.</summary>
    public string Output { get; }
    public IReadOnlyList<string> Tail { get; }
    public bool Succeeded => ExitCode == 0 && !TimedOut;
    public string TailText => string.Join(System.Environment.NewLine, Tail);
}

/// <summary>
/// Runs shell commands with a timeout, streaming output lines to a callback (the deployment log) and killing
/// the whole process tree on timeout or cancellation, so nothing keeps running behind the operator's back.
/// </summary>
internal static class ShellCommand
{
    public static async Task<ShellCommandResult> RunAsync(ShellCommandSpec spec, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var (file, args) = ShellArguments(spec);
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in spec.Environment) psi.Environment[k] = v;

        var output = new StringBuilder();
        var tail = new Queue<string>();
        void Line(string? line)
        {
            if (line is null) return;
            lock (output)
            {
                output.AppendLine(line);
                tail.Enqueue(line);
                while (tail.Count > spec.TailLines) tail.Dequeue();
            }
            onLine?.Invoke(line);
        }

        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"Could not start {file}");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(spec.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            process.WaitForExit(); // drains the asynchronous output readers
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }
        lock (output)
            return new ShellCommandResult(timedOut ? null : process.ExitCode, timedOut, clock.Elapsed, output.ToString(), tail.ToList());
    }

    private static (string File, IReadOnlyList<string> Args) ShellArguments(ShellCommandSpec spec) => spec.Arguments is { } direct
        ? (spec.Command, direct)
        : spec.Shell.ToLowerInvariant() switch
    {
        "pwsh" => ("pwsh", new[] { "-NoProfile", "-NonInteractive", "-Command", spec.Command }),
        "sh" => ("/bin/sh", new[] { "-c", spec.Command }),
        "bash" => ("/bin/bash", new[] { "-c", spec.Command }),
        var other => throw new ArgumentException($"unknown shell '{other}' (use bash, sh or pwsh)"),
    };
}
